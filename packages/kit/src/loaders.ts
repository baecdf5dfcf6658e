import DataLoader from 'dataloader';
import { isObjectIdOrHexString, type Model } from 'mongoose';

/**
 * One DataLoader per name for the lifetime of a request (the server makes a fresh registry
 * per request, so nothing is cached across callers or permissions).
 */
export class LoaderRegistry {
  private readonly loaders = new Map<string, DataLoader<any, any, any>>();

  get<K, V, C = K>(
    name: string,
    batchFn: DataLoader.BatchLoadFn<K, V>,
    options?: DataLoader.Options<K, V, C>,
  ): DataLoader<K, V, C> {
    let loader = this.loaders.get(name) as DataLoader<K, V, C> | undefined;
    if (!loader) {
      loader = new DataLoader<K, V, C>(batchFn, options);
      this.loaders.set(name, loader);
    }
    return loader;
  }
}

export interface LoadByIdsOptions {
  /** Return plain objects (the default; cheap) or hydrated mongoose documents. */
  lean?: boolean;
  projection?: Record<string, 0 | 1>;
}

/**
 * One `$in` find for a batch of ids; results come back in input order, null where nothing
 * matched. Ids that cannot be cast to the key's type (a malformed ObjectId) match nothing
 * instead of failing the whole batch. Use it as a DataLoader batch function:
 * `ctx.loaders.get('product', (ids) => loadByIds(Product, ids))`.
 */
export async function loadByIds<T>(
  model: Model<T>,
  ids: readonly unknown[],
  key = '_id',
  options: LoadByIdsOptions = {},
): Promise<(T | null)[]> {
  const keyIsObjectId = model.schema.path(key)?.instance === 'ObjectId';
  const queryable = [...new Set(ids.map(String))].filter((id) => !keyIsObjectId || isObjectIdOrHexString(id));
  if (queryable.length === 0) return ids.map(() => null);
  const query = model.find({ [key]: { $in: queryable } } as never, options.projection);
  const rows = (options.lean === false ? await query.exec() : await query.lean().exec()) as unknown as T[];
  const byKey = new Map<string, T>();
  for (const row of rows) byKey.set(String((row as Record<string, unknown>)[key]), row);
  return ids.map((id) => byKey.get(String(id)) ?? null);
}
