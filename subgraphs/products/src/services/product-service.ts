import { randomBytes } from 'node:crypto';
import { inTransaction } from '@novamart/events';
import { conflict, notFound, duplicateKey } from '@novamart/kit';
import { isObjectIdOrHexString, Types, type ClientSession, type Connection } from 'mongoose';
import type { ProductDoc, ProductModel } from '../models/product';
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

type ProductChanges = ReturnType<typeof validateProductChanges>;

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

/** Catalog writes. Each one changes the product and records its events in one transaction. */
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
        inTransaction(this.deps.conn, async (session, outbox) => {
          const before = await this.deps.Product.findById(id).session(session).lean<ProductDoc>().exec();
          if (!before) throw notFound('Product', { id });
          const variants = buildVariants({
            product: before,
            options,
            variants: input.variants,
            existingIds: new Set(variantsOf(before).map((v) => String(v._id))),
            defaults: variantsOf(before)[0],
            maxPrice: this.maxPrice,
            field: 'input.variants',
          });
          const after = await this.deps.Product.findOneAndUpdate(
            { _id: before._id },
            { $set: { options, variants } },
            { returnDocument: 'after', session },
          )
            .lean<ProductDoc>()
            .exec();
          if (!after) throw notFound('Product', { id });
          outbox.add(productEvents.updated(after));
          return after;
        }),
      { variants: true },
    );
  }

  async updateProduct(id: string, input: ProductUpdateInput): Promise<ProductDoc> {
    requireProductId(id);
    const changes = validateProductChanges(input, this.maxPrice);
    return this.withRetries(() =>
      inTransaction(this.deps.conn, async (session, outbox) => {
        const before = await this.deps.Product.findById(id).session(session).lean<ProductDoc>().exec();
        if (!before) throw notFound('Product', { id });
        const set = changedFields(before, changes);
        if (set.categorySlug) set.categoryPath = await this.deps.categories.ensure(set.categorySlug, session);
        if (set.categorySlug === null) set.categoryPath = [];
        if (Object.keys(set).length === 0) return before;

        const after = await this.deps.Product.findOneAndUpdate(
          { _id: before._id },
          { $set: set },
          { returnDocument: 'after', session },
        )
          .lean<ProductDoc>()
          .exec();
        if (!after) throw notFound('Product', { id });
        outbox.add(productEvents.updated(after));
        if (set.priceAmount !== undefined) outbox.add(productEvents.priceChanged(after, before.priceAmount));
        if (set.active === false) outbox.add(productEvents.archived(after));
        return after;
      }),
    );
  }

  async archiveProduct(id: string): Promise<ProductDoc> {
    requireProductId(id);
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const archived = await this.deps.Product.findOneAndUpdate(
        { _id: id, active: true },
        { $set: { active: false, archivedAt: new Date() } },
        { returnDocument: 'after', session },
      )
        .lean<ProductDoc>()
        .exec();
      if (archived) {
        outbox.add(productEvents.archived(archived));
        return archived;
      }
      // Already archived (a retried call) or never existed.
      const existing = await this.deps.Product.findById(id).session(session).lean<ProductDoc>().exec();
      if (!existing) throw notFound('Product', { id });
      return existing;
    });
  }

  private async freeSlugFor(name: string, session: ClientSession, attempt: number): Promise<string> {
    const base = slugify(name);
    // Writers racing for the same name would keep picking the same next number: after a few
    // collisions, a random suffix ends the race.
    if (attempt > SEQUENTIAL_SLUG_ATTEMPTS) return `${base}-${randomBytes(3).toString('hex')}`;
    const taken = await this.deps.Product.find(
      { slug: { $regex: `^${escapeRegex(base)}(-\\d+)?$` } },
      { slug: 1 },
    )
      .session(session)
      .lean<{ slug: string }[]>()
      .exec();
    return firstFreeSlug(
      base,
      taken.map((row) => row.slug),
    );
  }

  private async insert(
    data: NewProduct & Pick<ProductDoc, '_id' | 'options' | 'variants'>,
    attempt: number,
  ): Promise<ProductDoc> {
    return inTransaction(this.deps.conn, async (session, outbox) => {
      const slug = data.slug ?? (await this.freeSlugFor(data.name, session, attempt));
      const categoryPath = data.categorySlug
        ? await this.deps.categories.ensure(data.categorySlug, session)
        : [];
      const [created] = await this.deps.Product.create(
        [
          {
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
            categoryPath,
            images: data.images,
            options: data.options,
            variants: data.variants,
            active: true,
          },
        ],
        { session },
      );
      const doc = created!.toObject() as ProductDoc;
      outbox.add(productEvents.created(doc, data.initialStock));
      return doc;
    });
  }

  /**
   * Runs a write transaction again when it lost a race that a fresh attempt resolves: a derived
   * slug or a new category taken by a concurrent writer. `explicit` maps the collisions that are
   * the caller's to resolve (a duplicate SKU, a slug they chose) to CONFLICT.
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
