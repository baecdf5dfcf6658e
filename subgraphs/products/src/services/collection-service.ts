import { badUserInput, conflict, isDuplicateKeyError, notFound } from '@novamart/kit';
import { isObjectIdOrHexString, Types } from 'mongoose';
import type { CollectionDoc, CollectionModel, CollectionRule, CollectionType } from '../models/collection';
import type { ProductModel } from '../models/product';
import { requiredText, slugValue } from './validation';

export interface CollectionInput {
  slug: string;
  name: string;
  type: CollectionType;
  productIds?: readonly string[] | null;
  rule?: { categorySlug?: string | null; minPrice?: number | null; maxPrice?: number | null } | null;
}

const NAME_LENGTH = 100;
const MAX_PRODUCTS = 500;

function amount(value: number | null | undefined, field: string): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 0)
    throw badUserInput('must be a non-negative integer of minor units', field);
  return value;
}

function rule(input: CollectionInput['rule']): CollectionRule {
  if (!input) throw badUserInput('A RULE collection needs a rule', 'input.rule');
  const categorySlug =
    input.categorySlug == null ? null : slugValue(input.categorySlug, 'input.rule.categorySlug');
  const minPrice = amount(input.minPrice, 'input.rule.minPrice');
  const maxPrice = amount(input.maxPrice, 'input.rule.maxPrice');
  if (categorySlug === null && minPrice === null && maxPrice === null) {
    throw badUserInput('A rule needs a category or a price bound', 'input.rule');
  }
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) {
    throw badUserInput('minPrice must not exceed maxPrice', 'input.rule.minPrice');
  }
  return { categorySlug, minPrice, maxPrice };
}

/** Admin writes and reads of collections (MANUAL: listed products; RULE: matched ones). */
export class CollectionService {
  constructor(
    private readonly Collection: CollectionModel,
    private readonly Product: ProductModel,
  ) {}

  private async fields(input: CollectionInput) {
    const name = requiredText(input.name, 'input.name', NAME_LENGTH);
    if (input.type === 'RULE') {
      if (input.productIds?.length)
        throw badUserInput('A RULE collection lists no products', 'input.productIds');
      return { name, type: input.type, productIds: [], rule: rule(input.rule) };
    }
    if (input.type !== 'MANUAL') throw badUserInput('type must be MANUAL or RULE', 'input.type');
    if (input.rule) throw badUserInput('A MANUAL collection has no rule', 'input.rule');
    const ids = [...new Set(input.productIds ?? [])];
    if (ids.length > MAX_PRODUCTS) throw badUserInput(`at most ${MAX_PRODUCTS} products`, 'input.productIds');
    const bad = ids.findIndex((id) => !isObjectIdOrHexString(id));
    if (bad >= 0) throw badUserInput('Not a product id', `input.productIds.${bad}`);
    const found = await this.Product.countDocuments({ _id: { $in: ids } });
    if (found !== ids.length) throw badUserInput('Some products do not exist', 'input.productIds');
    return { name, type: input.type, productIds: ids.map((id) => new Types.ObjectId(id)), rule: null };
  }

  async create(input: CollectionInput): Promise<CollectionDoc> {
    const slug = slugValue(input.slug, 'input.slug');
    const fields = await this.fields(input);
    try {
      const [created] = await this.Collection.create([{ slug, ...fields }]);
      return created!.toObject() as CollectionDoc;
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw conflict(`The collection ${slug} exists`, { field: 'input.slug' });
      throw error;
    }
  }

  /** Replaces a collection's name, type and products or rule (its slug stays). */
  async update(slugInput: string, input: Omit<CollectionInput, 'slug'>): Promise<CollectionDoc> {
    const slug = slugValue(slugInput, 'slug');
    const fields = await this.fields({ ...input, slug });
    const after = await this.Collection.findOneAndUpdate(
      { slug },
      { $set: fields },
      { returnDocument: 'after' },
    )
      .lean<CollectionDoc>()
      .exec();
    if (!after) throw notFound('Collection', { slug });
    return after;
  }

  bySlug(slug: string): Promise<CollectionDoc | null> {
    return this.Collection.findOne({ slug }).lean<CollectionDoc>().exec();
  }

  list(): Promise<CollectionDoc[]> {
    return this.Collection.find().sort({ name: 1, _id: 1 }).lean<CollectionDoc[]>().exec();
  }
}
