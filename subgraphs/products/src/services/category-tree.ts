import { badUserInput, conflict, isDuplicateKeyError, notFound } from '@novamart/kit';
import type { ClientSession, Connection } from 'mongoose';
import type { CategoryDoc, CategoryModel } from '../models/category';
import { BUMP_REVISION, type ProductModel } from '../models/product';
import { requiredText, slugValue } from './validation';

export interface CategoryInput {
  slug: string;
  name: string;
  parentSlug?: string | null;
}

/** An absent field is left alone; `parentSlug: null` makes the category a root. */
export interface CategoryUpdateInput {
  name?: string | null;
  parentSlug?: string | null;
}

const NAME_LENGTH = 100;
/** Deep enough for any storefront menu; bounds the breadcrumbs. */
export const MAX_DEPTH = 8;

/** Slugs of `slug` and every category below it, from one list of all categories. */
export function withDescendants(slug: string, all: readonly CategoryDoc[]): string[] {
  return [slug, ...all.filter((c) => (c.path ?? []).includes(slug)).map((c) => c.slug)];
}

/**
 * Admin writes of the category tree. Each category keeps the slugs of its ancestors (`path`,
 * root first), so a subtree is one indexed query; moving a category rewrites its subtree's paths
 * in the same transaction. A move under itself or under one of its descendants is refused.
 */
export class CategoryTree {
  constructor(
    private readonly conn: Connection,
    private readonly Category: CategoryModel,
    private readonly Product: ProductModel,
  ) {}

  private async parentPath(parentSlug: string | null, session: ClientSession) {
    if (parentSlug === null) return [];
    const parent = await this.Category.findOne({ slug: parentSlug }).session(session).lean<CategoryDoc>();
    if (!parent) throw badUserInput(`No category ${parentSlug}`, 'input.parentSlug');
    const path = [...(parent.path ?? []), parent.slug];
    if (path.length >= MAX_DEPTH)
      throw badUserInput(`Categories nest at most ${MAX_DEPTH} deep`, 'input.parentSlug');
    return path;
  }

  async create(input: CategoryInput): Promise<CategoryDoc> {
    const slug = slugValue(input.slug, 'input.slug');
    const name = requiredText(input.name, 'input.name', NAME_LENGTH);
    const parentSlug = input.parentSlug == null ? null : slugValue(input.parentSlug, 'input.parentSlug');
    try {
      return await this.conn.transaction(async (session) => {
        const path = await this.parentPath(parentSlug, session);
        const [created] = await this.Category.create([{ slug, name, parentSlug, path }], { session });
        return created!.toObject() as CategoryDoc;
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw conflict(`The category ${slug} exists`, { field: 'input.slug' });
      throw error;
    }
  }

  async update(slugInput: string, input: CategoryUpdateInput): Promise<CategoryDoc> {
    const slug = slugValue(slugInput, 'slug');
    const name = input.name == null ? undefined : requiredText(input.name, 'input.name', NAME_LENGTH);
    const parentSlug =
      input.parentSlug === undefined
        ? undefined
        : input.parentSlug === null
          ? null
          : slugValue(input.parentSlug, 'input.parentSlug');
    return this.conn.transaction(async (session) => {
      const current = await this.Category.findOne({ slug }).session(session).lean<CategoryDoc>();
      if (!current) throw notFound('Category', { slug });
      const set: Partial<CategoryDoc> = name !== undefined ? { name } : {};
      if (parentSlug !== undefined && parentSlug !== (current.parentSlug ?? null)) {
        const path = await this.parentPath(parentSlug, session);
        if (parentSlug === slug || path.includes(slug)) {
          throw badUserInput(
            'A category cannot move under itself or one of its descendants',
            'input.parentSlug',
          );
        }
        await this.movePaths(slug, current.path ?? [], path, session);
        Object.assign(set, { parentSlug, path });
      }
      const after = await this.Category.findOneAndUpdate(
        { slug },
        { $set: set },
        { returnDocument: 'after', session },
      )
        .lean<CategoryDoc>()
        .exec();
      return after!;
    });
  }

  /** Rewrites the paths of the categories below `slug` for its move from `before` to `after`. */
  private async movePaths(
    slug: string,
    before: readonly string[],
    after: readonly string[],
    session: ClientSession,
  ): Promise<void> {
    const below = await this.Category.find({ path: slug }, { slug: 1, path: 1 })
      .session(session)
      .lean<CategoryDoc[]>();
    const deepest = Math.max(0, ...below.map((c) => (c.path ?? []).length - before.length));
    if (after.length + deepest >= MAX_DEPTH) {
      throw badUserInput(`Categories nest at most ${MAX_DEPTH} deep`, 'input.parentSlug');
    }
    const moved = below.map((c) => ({
      slug: c.slug,
      path: [...after, ...(c.path ?? []).slice(before.length)],
    }));
    if (moved.length > 0) {
      await this.Category.bulkWrite(
        moved.map((c) => ({ updateOne: { filter: { slug: c.slug }, update: { $set: { path: c.path } } } })),
        { session },
      );
    }
    // The products of the subtree follow (their categoryPath is derived; updatedAt stays the catalog's).
    await this.Product.bulkWrite(
      [{ slug, path: [...after] }, ...moved].map((c) => ({
        updateMany: {
          filter: { categorySlug: c.slug },
          update: { $set: { categoryPath: [...c.path, c.slug] }, ...BUMP_REVISION },
        },
      })),
      { session, timestamps: false },
    );
  }
}
