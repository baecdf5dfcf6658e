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

export interface CategoryService {
  /** Creates the category on first use, named after its slug (`home-and-kitchen` → `Home and Kitchen`). */
  ensure(slug: string, session: ClientSession): Promise<void>;
  list(): Promise<CategoryDoc[]>;
  bySlugs(slugs: readonly string[]): Promise<(CategoryDoc | null)[]>;
}

export function createCategoryService(Category: CategoryModel): CategoryService {
  return {
    async ensure(slug, session) {
      try {
        await Category.updateOne(
          { slug },
          { $setOnInsert: { slug, name: nameFromSlug(slug) } },
          { upsert: true, session },
        );
      } catch (error) {
        if (isDuplicateKeyError(error)) throw new CategoryRaceError(slug);
        throw error;
      }
    },

    list() {
      return Category.find().sort({ name: 1, _id: 1 }).lean<CategoryDoc[]>().exec();
    },

    async bySlugs(slugs) {
      const rows = await Category.find({ slug: { $in: [...new Set(slugs)] } })
        .lean<CategoryDoc[]>()
        .exec();
      const bySlug = new Map(rows.map((row) => [row.slug, row]));
      return slugs.map((slug) => bySlug.get(slug) ?? null);
    },
  };
}
