import { type TaxClass, type VariantCatalogRow, variantCatalogRowFields } from '@novamart/events';
import { modelOn } from '@novamart/kit';
import { Schema, type Connection, type Model } from 'mongoose';

export type { TaxClass };

/**
 * The orders subgraph's own view of the catalog, kept from product events: what checkout prices
 * lines with. `catalogAt`/`priceAt` are the times of the events applied, so older events that
 * arrive late are ignored.
 */
export interface CatalogPriceDoc extends VariantCatalogRow {
  /** Absent on rows made before variants: "Default", no options. */
  variantTitle?: string;
  selectedOptions?: { name: string; value: string }[];
}

const catalogPriceSchema = new Schema<CatalogPriceDoc>(
  {
    ...variantCatalogRowFields,
    variantTitle: String,
    selectedOptions: {
      type: [new Schema({ name: String, value: String }, { _id: false })],
      default: undefined,
    },
  },
  { collection: 'catalog_prices', versionKey: false },
);

export type CatalogPriceModel = Model<CatalogPriceDoc>;

export function catalogPriceModel(conn: Connection): CatalogPriceModel {
  return modelOn<CatalogPriceDoc>(conn, 'CatalogPrice', catalogPriceSchema);
}
