import { type Connection } from 'mongoose';
import { shippingMethodModel, type ShippingMethodModel } from '../models/shipping-method';
import { taxRateModel, taxSettingModel, type TaxRateModel, type TaxSettingModel } from '../models/tax';
import { zoneModel, type ZoneModel } from '../models/zone';
import { TableTaxProvider } from '../providers/table-tax-provider';
import { type TaxProvider } from '../providers/tax-provider';
import { type ShippingConfig } from '../config';
import { ShippingAdminService } from './admin-service';
import { ShippingCountryService } from './countries';
import { QuoteService } from './quote-service';

export interface ShippingServices {
  admin: ShippingAdminService;
  quotes: QuoteService;
  countries: ShippingCountryService;
  zones: ZoneModel;
  methods: ShippingMethodModel;
  rates: TaxRateModel;
  settings: TaxSettingModel;
}

/** The TaxProvider that TAX_PROVIDER names. */
export function createTaxProvider(
  name: ShippingConfig['TAX_PROVIDER'],
  models: { zones: ZoneModel; rates: TaxRateModel },
): TaxProvider {
  switch (name) {
    case 'table':
      return new TableTaxProvider(models.zones, models.rates);
  }
}

/** Models (indexes built) and services on the shipping subgraph's connection. */
export async function createShippingServices(options: {
  conn: Connection;
  taxProvider?: ShippingConfig['TAX_PROVIDER'];
}): Promise<ShippingServices> {
  const { conn } = options;
  const zones = zoneModel(conn);
  const methods = shippingMethodModel(conn);
  const rates = taxRateModel(conn);
  const settings = taxSettingModel(conn);
  await Promise.all([zones.init(), methods.init(), rates.init(), settings.init()]);
  const tax = createTaxProvider(options.taxProvider ?? 'table', { zones, rates });
  return {
    admin: new ShippingAdminService(zones, methods, rates, settings),
    quotes: new QuoteService(zones, methods, settings, tax),
    countries: new ShippingCountryService(zones, methods),
    zones,
    methods,
    rates,
    settings,
  };
}
