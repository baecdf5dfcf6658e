import { isDuplicateKeyError } from '@novamart/kit';
import type { ClientSession } from 'mongoose';
import type { CategoryDoc, CategoryModel } from '../models/category';
import { nameFromSlug } from './slug';

/**
 * Two writers created the same category at once; the whole transaction must be retried (after a
 * write error a MongoDB transaction cannot go on).
 */
export class CategoryRaceError extends Error {
  constructor(readonly slug: string) {
    super(`Category ${slug} was created concurrently`);
    this.name = 'CategoryRaceError';
  }
}

/** The category tree's rows: created on first use by a product, read in batches by the loaders. */
export class CategoryService {
  constructor(private readonly Category: CategoryModel) {}

  /**
   * A product's `categoryPath` for a category that exists (one read, nothing written); null when
   * it does not exist yet: the product's write then creates it (`ensure`) in its transaction.
   */
  async pathOf(slug: string): Promise<string[] | null> {
    const category = await this.Category.findOne({ slug }, { path: 1 }).lean<CategoryDoc>().exec();
    return category ? [...(category.path ?? []), slug] : null;
  }

  /**
   * Creates the category on first use, named after its slug (`home-and-kitchen` → `Home and
   * Kitchen`); returns the product's `categoryPath` for it (its ancestors, then itself).
   */
  async ensure(slug: string, session: ClientSession): Promise<string[]> {
    try {
      const category = await this.Category.findOneAndUpdate(
        { slug },
        { $setOnInsert: { slug, name: nameFromSlug(slug) } },
        { upsert: true, session, returnDocument: 'after' },
      )
        .lean<CategoryDoc>()
        .exec();
      return [...(category?.path ?? []), slug];
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new CategoryRaceError(slug);
      throw error;
    }
  }

  list(): Promise<CategoryDoc[]> {
    return this.Category.find().sort({ name: 1, _id: 1 }).lean<CategoryDoc[]>().exec();
  }

  async bySlugs(slugs: readonly string[]): Promise<(CategoryDoc | null)[]> {
    const rows = await this.Category.find({ slug: { $in: [...new Set(slugs)] } })
      .lean<CategoryDoc[]>()
      .exec();
    const bySlug = new Map(rows.map((row) => [row.slug, row]));
    return slugs.map((slug) => bySlug.get(slug) ?? null);
  }

  /** The children of each category, by name. */
  async childrenOf(slugs: readonly string[]): Promise<CategoryDoc[][]> {
    const rows = await this.Category.find({ parentSlug: { $in: [...new Set(slugs)] } })
      .sort({ name: 1, _id: 1 })
      .lean<CategoryDoc[]>()
      .exec();
    return slugs.map((slug) => rows.filter((row) => row.parentSlug === slug));
  }
}
