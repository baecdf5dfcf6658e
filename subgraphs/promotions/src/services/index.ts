import { type Connection } from 'mongoose';
import { type Logger, type SubgraphClient } from '@novamart/kit';
import { discountCodeModel } from '../models/discount-code';
import { promotionModel } from '../models/promotion';
import { customerUsageModel, redemptionModel } from '../models/redemption';
import { DiscountService, productsCategoryLookup, type CategoryLookup } from './discount-service';
import { HoldSweeper } from './hold-sweeper';
import { PromotionAdmin } from './promotion-admin';

export interface PromotionsServices {
  admin: PromotionAdmin;
  discounts: DiscountService;
  sweeper: HoldSweeper;
  codes: ReturnType<typeof discountCodeModel>;
  promotions: ReturnType<typeof promotionModel>;
}

/** Models (indexes built) and services on the promotions subgraph's connection. */
export async function createPromotionsServices(options: {
  conn: Connection;
  /** Where category promotions learn a product's category; a lookup (tests) or the products subgraph. */
  categories?: CategoryLookup | SubgraphClient | null;
  logger: Logger;
  /** How long a redemption waits for order.placed before the sweeper releases it. */
  holdMs?: number;
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
  const discounts = new DiscountService({ conn, promotions, codes, redemptions, usages, categories, now });
  return {
    admin: new PromotionAdmin({ conn, promotions, codes, now }),
    discounts,
    sweeper: new HoldSweeper({
      redemptions,
      discounts,
      logger: options.logger,
      now,
      ...(options.holdMs !== undefined ? { holdMs: options.holdMs } : {}),
    }),
    codes,
    promotions,
  };
}
