import { type Connection } from 'mongoose';
import { type SubgraphClient } from '@novamart/kit';
import { discountCodeModel } from '../models/discount-code';
import { promotionModel } from '../models/promotion';
import { customerUsageModel, redemptionModel } from '../models/redemption';
import { DiscountService, productsCategoryLookup, type CategoryLookup } from './discount-service';
import { PromotionAdmin } from './promotion-admin';

export interface PromotionsServices {
  admin: PromotionAdmin;
  discounts: DiscountService;
  codes: ReturnType<typeof discountCodeModel>;
  promotions: ReturnType<typeof promotionModel>;
}

/** Models (indexes built) and services on the promotions subgraph's connection. */
export async function createPromotionsServices(options: {
  conn: Connection;
  /** Where category promotions learn a product's category; a lookup (tests) or the products subgraph. */
  categories?: CategoryLookup | SubgraphClient | null;
  now?: () => Date;
}): Promise<PromotionsServices> {
  const { conn } = options;
  const now = options.now ?? (() => new Date());
  const promotions = promotionModel(conn);
  const codes = discountCodeModel(conn);
  const redemptions = redemptionModel(conn);
  const usages = customerUsageModel(conn);
  await Promise.all([promotions.init(), codes.init(), redemptions.init(), usages.init()]);
  const source = options.categories ?? null;
  const categories =
    source === null || typeof source === 'function' ? source : productsCategoryLookup(source);
  return {
    admin: new PromotionAdmin({ conn, promotions, codes, now }),
    discounts: new DiscountService({ conn, promotions, codes, redemptions, usages, categories, now }),
    codes,
    promotions,
  };
}
