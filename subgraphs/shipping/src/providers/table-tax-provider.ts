import { type TaxClass, type TaxRateDoc, type TaxRateModel } from '../models/tax';
import { type ZoneModel } from '../models/zone';
import { lineTax } from '../services/tax-math';
import { zonesFor } from '../services/zones';
import { type LineTax, type TaxProvider, type TaxRequest } from './tax-provider';

/**
 * Tax from the `tax_rates` table: for each line's tax class, the rate of the most specific zone
 * holding the destination that has a rate for that class (a region's zone before its country's).
 * A class without a rate there is untaxed. Two finds per calculation (the country's zones, their
 * rates).
 */
export class TableTaxProvider implements TaxProvider {
  readonly name = 'table';

  constructor(
    private readonly zones: ZoneModel,
    private readonly rates: TaxRateModel,
  ) {}

  async calculate(request: TaxRequest): Promise<LineTax[]> {
    const byClass = await this.ratesFor(request);
    const taxes: LineTax[] = [];
    for (const line of request.lines) {
      const rate = byClass.get(line.taxClass);
      if (!rate || rate.rateBasisPoints === 0) continue;
      taxes.push({
        key: line.key,
        name: rate.name,
        rateBasisPoints: rate.rateBasisPoints,
        amount: lineTax(line.amount, rate.rateBasisPoints, request.pricesIncludeTax),
      });
    }
    return taxes;
  }

  private async ratesFor(request: TaxRequest): Promise<Map<TaxClass, TaxRateDoc>> {
    const zones = zonesFor(
      await this.zones.find({ 'members.country': request.destination.country }).lean(),
      request.destination,
    );
    const rank = new Map(zones.map((zone, index) => [zone._id, index]));
    const rates = await this.rates.find({ zoneCode: { $in: zones.map((zone) => zone._id) } }).lean();
    rates.sort((a, b) => (rank.get(a.zoneCode) ?? 0) - (rank.get(b.zoneCode) ?? 0));
    const byClass = new Map<TaxClass, TaxRateDoc>();
    for (const rate of rates) if (!byClass.has(rate.taxClass)) byClass.set(rate.taxClass, rate);
    return byClass;
  }
}
