import { randomBytes } from 'node:crypto';
import { DocumentEvents, inTransaction, type DomainEvent } from '@novamart/events';
import { conflict, notFound, duplicateKey } from '@novamart/kit';
import { isObjectIdOrHexString, Types, type ClientSession, type Connection } from 'mongoose';
import {
  atRevision,
  BUMP_REVISION,
  PRODUCTS_COLLECTION,
  type ProductDoc,
  type ProductModel,
} from '../models/product';
import { CategoryRaceError, type CategoryService } from './category-service';
import { productEvents } from './product-events';
import { productSearchFields } from './search-terms';
import { escapeRegex, firstFreeSlug, slugify } from './slug';
import {
  LIMITS,
  validateNewProduct,
  validateProductChanges,
  type NewProduct,
  type ProductInput,
  type ProductUpdateInput,
} from './validation';
import {
  buildVariants,
  validateDefaultVariantFields,
  validateOptions,
  variantsOf,
  type ProductOptionInput,
  type ProductVariantInput,
} from './variants';

/** `setProductVariants`' input: the product's options and variants, replacing the stored ones. */
export interface ProductVariantsInput {
  options: readonly ProductOptionInput[];
  variants: readonly ProductVariantInput[];
}

export interface ProductServiceDeps {
  conn: Connection;
  Product: ProductModel;
  categories: CategoryService;
  /** MAX_ORDER_TOTAL: the largest price a product may have. */
  maxPrice?: number;
}

// A derived slug or a new category can collide with a concurrent writer; the retry recomputes.
const MAX_ATTEMPTS = 8;
const SEQUENTIAL_SLUG_ATTEMPTS = 3;
/** A change whose compare-and-set keeps losing to other writers of the product gives up (CONFLICT). */
const MAX_WRITE_ATTEMPTS = 5;

type ProductChanges = ReturnType<typeof validateProductChanges>;

/** The product was written between the read a change was decided on and its write: decide again. */
class StaleProductError extends Error {
  constructor() {
    super('The product changed meanwhile');
    this.name = 'StaleProductError';
  }
}

/** A change of one product, decided on the product as read (`before`). */
interface ProductChange {
  set: Partial<ProductDoc>;
  /** Its events, of the product as the write leaves it: `after` is `before` plus `set`. */
  events(after: ProductDoc, before: ProductDoc): DomainEvent<any>[];
}

/**
 * The instant a catalog write stamps on the product (`updatedAt`) and on its events (`occurredAt`),
 * later than the product's previous stamp: a catalog state and its events share one stamp, unique
 * to that state, so the projections (cart, orders) that keep the newest of an event and a catalog
 * answer know an equal stamp for the same state and skip it.
 */
function catalogStamp(before: Pick<ProductDoc, 'updatedAt'> | null): Date {
  return new Date(Math.max(Date.now(), (before?.updatedAt?.getTime() ?? 0) + 1));
}

function stamped(events: DomainEvent<any>[], at: Date): DomainEvent<any>[] {
  for (const event of events) event.occurredAt = at.toISOString();
  return events;
}

/** A product as `toObject()` gives it, without the events it carries (never answered). */
function withoutEvents(product: ProductDoc): ProductDoc {
  const { pendingEvents: _unpublished, ...doc } = product;
  return doc;
}

function requireProductId(id: string): void {
  if (!isObjectIdOrHexString(id)) throw notFound('Product', { id });
}

/** The fields `changes` actually changes on `before` (nothing when it repeats what is stored). */
function changedFields(before: ProductDoc, changes: ProductChanges): Partial<ProductDoc> {
  const set: Partial<ProductDoc> = {};
  if (changes.name !== undefined && changes.name !== before.name) {
    set.name = changes.name;
    set.nameKey = changes.name.toLowerCase();
  }
  if (changes.description !== undefined && changes.description !== before.description) {
    set.description = changes.description;
  }
  if (changes.priceAmount !== undefined && changes.priceAmount !== before.priceAmount) {
    set.priceAmount = changes.priceAmount;
  }
  if (changes.categorySlug !== undefined && changes.categorySlug !== before.categorySlug) {
    set.categorySlug = changes.categorySlug;
  }
  if (changes.images !== undefined && JSON.stringify(changes.images) !== JSON.stringify(before.images)) {
    set.images = changes.images;
  }
  if (changes.active !== undefined && changes.active !== before.active) {
    set.active = changes.active;
    set.archivedAt = changes.active ? null : new Date();
  }
  if (set.name !== undefined || set.description !== undefined) {
    Object.assign(set, productSearchFields(set.name ?? before.name, set.description ?? before.description));
  }
  return set;
}

/**
 * Catalog writes. Each one is one write of the product carrying its events (`DocumentEvents`),
 * computed before the write from the product as read and written as a compare-and-set of its
 * revision; a write that also creates the product's category runs in one transaction with the
 * events in its outbox.
 */
export class ProductService {
  private readonly maxPrice: number;

  constructor(private readonly deps: ProductServiceDeps) {
    this.maxPrice = deps.maxPrice ?? LIMITS.priceAmount;
  }

  async createProduct(input: ProductInput): Promise<ProductDoc> {
    const data = validateNewProduct(input, this.maxPrice);
    const _id = new Types.ObjectId();
    const options = validateOptions(input.options ?? [], 'input.options');
    const variants = buildVariants({
      product: { _id, sku: data.sku },
      options,
      variants: input.variants ?? [],
      existingIds: new Set(),
      defaults: validateDefaultVariantFields(input, this.maxPrice),
      maxPrice: this.maxPrice,
      field: 'input.variants',
    });
    return this.withRetries((attempt) => this.insert({ ...data, _id, options, variants }, attempt), {
      sku: data.sku,
      slug: data.slug,
      variants: true,
    });
  }

  /**
   * ADMIN: replaces a product's options and variants at once (validated together: one value of
   * every option per variant, no combination or SKU twice). Variants named by id keep their id and
   * so their stock; the default variant (the product's id) always stays.
   */
  async setVariants(id: string, input: ProductVariantsInput): Promise<ProductDoc> {
    requireProductId(id);
    const options = validateOptions(input.options, 'input.options');
    return this.withRetries(
      () =>
        this.changeProduct(id, (before) => {
          const variants = buildVariants({
            product: before,
            options,
            variants: input.variants,
            existingIds: new Set(variantsOf(before).map((v) => String(v._id))),
            defaults: variantsOf(before)[0],
            maxPrice: this.maxPrice,
            field: 'input.variants',
          });
          return { set: { options, variants }, events: (after) => [productEvents.updated(after)] };
        }),
      { variants: true },
    );
  }

  async updateProduct(id: string, input: ProductUpdateInput): Promise<ProductDoc> {
    requireProductId(id);
    const changes = validateProductChanges(input, this.maxPrice);
    return this.withRetries(() =>
      this.changeProduct(id, (before) => {
        const set = changedFields(before, changes);
        if (Object.keys(set).length === 0) return null;
        // A category's path is read (or the category created) by the write (`writeChange`).
        if (set.categorySlug === null) set.categoryPath = [];
        return {
          set,
          events: (after) => [
            productEvents.updated(after),
            ...(set.priceAmount !== undefined ? [productEvents.priceChanged(after, before.priceAmount)] : []),
            ...(set.active === false ? [productEvents.archived(after)] : []),
          ],
        };
      }),
    );
  }

  async archiveProduct(id: string): Promise<ProductDoc> {
    requireProductId(id);
    return this.changeProduct(id, (before) =>
      // Already archived (a retried call): nothing to write, no second event.
      before.active
        ? {
            set: { active: false, archivedAt: new Date() },
            events: (after) => [productEvents.archived(after)],
          }
        : null,
    );
  }

  /**
   * One change of one product: read (NOT_FOUND when absent), decided by `decide` on what was read
   * (null: nothing to write, the product answers as it is), and written as a compare-and-set of
   * the revision read; when someone else wrote the product meanwhile, read and decided again.
   */
  private async changeProduct(
    id: string,
    decide: (before: ProductDoc) => ProductChange | null,
  ): Promise<ProductDoc> {
    for (let attempt = 1; ; attempt += 1) {
      const before = await this.deps.Product.findById(id).lean<ProductDoc>().exec();
      if (!before) throw notFound('Product', { id });
      const change = decide(before);
      if (!change) return before;
      try {
        return await this.writeChange(before, change);
      } catch (error) {
        if (!(error instanceof StaleProductError)) throw error;
        if (attempt >= MAX_WRITE_ATTEMPTS) throw conflict('The product keeps changing; try again');
      }
    }
  }

  /**
   * Writes `change` of the product read as `before`, with its events, computed first from
   * `before` plus the change: the compare-and-set of the revision read makes them exactly those of
   * the product as written (StaleProductError when it moved). One write, carrying the events
   * (`DocumentEvents`); a change to a category that does not exist yet creates it too, so both
   * writes go in one transaction, the events in its outbox.
   */
  private async writeChange(before: ProductDoc, change: ProductChange): Promise<ProductDoc> {
    const slug = change.set.categorySlug;
    const categoryPath = slug ? await this.deps.categories.pathOf(slug) : undefined;
    const at = catalogStamp(before);
    const decided = (set: Partial<ProductDoc>) => {
      const after: ProductDoc = { ...before, ...set, updatedAt: at, revision: (before.revision ?? 0) + 1 };
      return {
        update: { $set: { ...set, updatedAt: at }, ...BUMP_REVISION },
        events: stamped(change.events(after, before), at),
      };
    };
    if (slug && categoryPath === null) {
      return inTransaction(this.deps.conn, async (session, outbox) => {
        const created = { ...change.set, categoryPath: await this.deps.categories.ensure(slug, session) };
        const { update, events } = decided(created);
        const after = await this.compareAndSet(before, update, session);
        outbox.add(...events);
        return after;
      });
    }
    const { update, events } = decided(categoryPath ? { ...change.set, categoryPath } : change.set);
    const onProduct = new DocumentEvents(events);
    const after = await this.compareAndSet(before, onProduct.update(update));
    onProduct.written(this.deps.conn, PRODUCTS_COLLECTION, after._id);
    return after;
  }

  /** The write of a change, if the product is still at the revision read (else StaleProductError). */
  private async compareAndSet(
    before: ProductDoc,
    update: Record<string, unknown>,
    session?: ClientSession,
  ): Promise<ProductDoc> {
    const filter = { _id: before._id, ...atRevision(before) };
    // `updatedAt` is the write's own stamp (catalogStamp), not mongoose's clock.
    const after = await this.deps.Product.findOneAndUpdate(filter, update, {
      returnDocument: 'after',
      session,
      timestamps: false,
    })
      .lean<ProductDoc>()
      .exec();
    if (!after) throw new StaleProductError();
    return after;
  }

  private async freeSlugFor(name: string, attempt: number): Promise<string> {
    const base = slugify(name);
    // Writers racing for the same name would keep picking the same next number: after a few
    // collisions, a random suffix ends the race.
    if (attempt > SEQUENTIAL_SLUG_ATTEMPTS) return `${base}-${randomBytes(3).toString('hex')}`;
    const taken = await this.deps.Product.find(
      { slug: { $regex: `^${escapeRegex(base)}(-\\d+)?$` } },
      { slug: 1 },
    )
      .lean<{ slug: string }[]>()
      .exec();
    return firstFreeSlug(
      base,
      taken.map((row) => row.slug),
    );
  }

  /**
   * One insert carrying `product.created` (`DocumentEvents`), computed from the document as it is
   * inserted; a product in a category that does not exist yet creates the category too, in one
   * transaction with the event in its outbox. A duplicate SKU or slug writes nothing.
   */
  private async insert(
    data: NewProduct & Pick<ProductDoc, '_id' | 'options' | 'variants'>,
    attempt: number,
  ): Promise<ProductDoc> {
    const slug = data.slug ?? (await this.freeSlugFor(data.name, attempt));
    const categoryPath = data.categorySlug ? await this.deps.categories.pathOf(data.categorySlug) : [];
    const at = catalogStamp(null);
    const build = (path: string[]) =>
      new this.deps.Product({
        _id: data._id,
        sku: data.sku,
        slug,
        name: data.name,
        nameKey: data.name.toLowerCase(),
        description: data.description,
        ...productSearchFields(data.name, data.description),
        priceAmount: data.priceAmount,
        currency: data.currency,
        categorySlug: data.categorySlug,
        categoryPath: path,
        images: data.images,
        options: data.options,
        variants: data.variants,
        active: true,
        createdAt: at,
        updatedAt: at,
      });
    const created = (product: InstanceType<ProductModel>) =>
      stamped([productEvents.created(product.toObject() as ProductDoc, data.initialStock)], at)[0]!;
    if (data.categorySlug && categoryPath === null) {
      const category = data.categorySlug;
      return inTransaction(this.deps.conn, async (session, outbox) => {
        // Built afresh by every attempt of the transaction.
        const product = build(await this.deps.categories.ensure(category, session));
        outbox.add(created(product));
        await product.save({ session, timestamps: false });
        return product.toObject() as ProductDoc;
      });
    }
    const product = build(categoryPath ?? []);
    const onProduct = new DocumentEvents([created(product)]);
    product.set(onProduct.inserted());
    await product.save({ timestamps: false });
    onProduct.written(this.deps.conn, PRODUCTS_COLLECTION, product._id);
    return withoutEvents(product.toObject() as ProductDoc);
  }

  /**
   * Runs a write again when it lost a race that a fresh attempt resolves: a derived slug or a new
   * category taken by a concurrent writer. `explicit` maps the collisions that are the caller's to
   * resolve (a duplicate SKU, a slug they chose) to CONFLICT.
   */
  private async withRetries<T>(
    work: (attempt: number) => Promise<T>,
    explicit: { sku?: string; slug?: string | null; variants?: boolean } = {},
  ): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work(attempt);
      } catch (error) {
        const dup = duplicateKey(error);
        const onProducts =
          dup !== null &&
          (dup.collection === null || dup.collection === this.deps.Product.collection.collectionName);
        if (dup && onProducts && dup.fields.includes('sku') && explicit.sku) {
          throw conflict(`A product with SKU ${explicit.sku} already exists`, { field: 'input.sku' });
        }
        if (dup && onProducts && dup.fields.includes('variants.sku') && explicit.variants) {
          throw conflict('A variant SKU belongs to another product already', { field: 'input.variants' });
        }
        if (dup && onProducts && dup.fields.includes('slug') && explicit.slug) {
          throw conflict(`The slug ${explicit.slug} is taken`, { field: 'input.slug' });
        }
        const retryable = error instanceof CategoryRaceError || (dup !== null && dup.fields.includes('slug'));
        if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}
