import type { Logger } from '@novamart/kit';
import type { Connection } from 'mongoose';
import { productStockModel } from '../models/product-stock';
import { reservationModel } from '../models/reservation';
import { restockedReturnModel } from '../models/restocked-return';
import { backfillVariantIds, stockItemModel } from '../models/stock-item';
import { stockMovementModel } from '../models/stock-movement';
import { ReservationService } from './reservation-service';
import { StockLedger } from './stock-ledger';
import { StockService } from './stock-service';
import { transactionRunner, type RunInTx } from './tx';

export interface InventoryServiceOptions {
  reservationTtlSeconds: number;
  defaultReorderLevel: number;
  logger: Logger;
}

export interface InventoryServiceSet {
  stock: StockService;
  reservations: ReservationService;
  ledger: StockLedger;
  runInTx: RunInTx;
  models: {
    StockItem: ReturnType<typeof stockItemModel>;
    StockMovement: ReturnType<typeof stockMovementModel>;
    Reservation: ReturnType<typeof reservationModel>;
    RestockedReturn: ReturnType<typeof restockedReturnModel>;
    ProductStock: ReturnType<typeof productStockModel>;
  };
}

/** Models and services on a connection; tests use this directly. */
export function createInventoryServices(
  conn: Connection,
  options: InventoryServiceOptions,
): InventoryServiceSet {
  const models = {
    StockItem: stockItemModel(conn),
    StockMovement: stockMovementModel(conn),
    Reservation: reservationModel(conn),
    RestockedReturn: restockedReturnModel(conn),
    ProductStock: productStockModel(conn),
  };
  const runInTx = transactionRunner(conn);
  const ledger = new StockLedger({ ...models, defaultReorderLevel: options.defaultReorderLevel });
  const stock = new StockService({
    runInTx,
    ledger,
    ...models,
    defaultReorderLevel: options.defaultReorderLevel,
  });
  const reservations = new ReservationService({
    runInTx,
    ledger,
    Reservation: models.Reservation,
    StockItem: models.StockItem,
    ttlSeconds: options.reservationTtlSeconds,
    logger: options.logger,
  });
  return { stock, reservations, ledger, runInTx, models };
}

/** Builds the unique and query indexes (collections are created here, outside any transaction). */
export async function ensureInventoryIndexes(services: InventoryServiceSet): Promise<void> {
  const { StockItem, StockMovement, Reservation, RestockedReturn, ProductStock } = services.models;
  // Before the indexes: the unique variant index replaces the unique product one.
  await backfillVariantIds(StockItem);
  await Promise.all([
    StockItem.createIndexes(),
    StockMovement.createIndexes(),
    Reservation.createIndexes(),
    RestockedReturn.createCollection(),
    ProductStock.createCollection(),
  ]);
}
