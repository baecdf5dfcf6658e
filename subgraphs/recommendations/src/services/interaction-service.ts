import { runTransaction } from '@novamart/events';
import {
  badUserInput,
  conflict,
  notFound,
  requireViewer,
  type Logger,
  type Viewer,
  isDuplicateKeyError,
} from '@novamart/kit';
import { type ClientSession, type Connection } from 'mongoose';
import { type RecoCache } from '../cache/reco-cache';
import { type CatalogEntryModel } from '../models/catalog-entry';
import { type InteractionDoc, type InteractionModel } from '../models/interaction';
import { INTERACTION_TYPES, type InteractionType } from '../scoring';
import { type EngagementWriter, MAX_ORDER_PRODUCTS } from './engagement-writer';

export interface InteractionInput {
  productId: string;
  type: InteractionType;
  idempotencyKey: string;
  occurredAt?: Date | null;
}

/** How far in the future a client's occurredAt may lie (clock skew); later is BAD_USER_INPUT. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const MAX_KEY_LENGTH = 200;

/** Records interactions from the API and from domain events, each counted once. */
export class InteractionService {
  constructor(
    private readonly deps: {
      conn: Connection;
      interactions: InteractionModel;
      catalog: CatalogEntryModel;
      writer: EngagementWriter;
      cache: RecoCache;
      clock: () => Date;
      logger: Logger;
    },
  ) {}

  /**
   * `recordInteraction`: signed-in callers only (UNAUTHENTICATED otherwise). Idempotent by
   * (caller, idempotencyKey): the same key with the same input answers true again without counting;
   * with a different product, type or occurredAt it is CONFLICT.
   */
  async record(viewer: Viewer | null, input: InteractionInput): Promise<boolean> {
    const caller = requireViewer({ viewer });
    const now = this.deps.clock();
    const { productId, type, idempotencyKey } = input;
    if (!INTERACTION_TYPES.includes(type))
      throw badUserInput(`Unknown interaction type ${String(type)}`, 'type');
    if (!productId || productId.length > 100) throw badUserInput('productId is required', 'productId');
    if (!idempotencyKey?.trim() || idempotencyKey.length > MAX_KEY_LENGTH) {
      throw badUserInput(`idempotencyKey must be 1 to ${MAX_KEY_LENGTH} characters`, 'idempotencyKey');
    }
    const occurredAt = input.occurredAt ?? now;
    if (Number.isNaN(occurredAt.getTime()))
      throw badUserInput('occurredAt is not a valid date', 'occurredAt');
    if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS)
      throw badUserInput('occurredAt lies in the future', 'occurredAt');
    const actor = `user:${caller.id}`;

    const known = await this.deps.catalog.exists({ _id: productId });
    if (!known) throw notFound('Product');

    let scopes: string[] = [];
    try {
      await runTransaction(this.deps.conn, async (session) => {
        await this.deps.interactions.create(
          [
            {
              actor,
              key: idempotencyKey,
              userId: caller.id,
              productId,
              type,
              occurredAt,
              source: 'api',
              createdAt: now,
            },
          ],
          { session },
        );
        scopes = await this.deps.writer.apply(session, caller.id, [
          { productId, type, occurredAtMs: occurredAt.getTime() },
        ]);
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const earlier = await this.deps.interactions
        .findOne({ actor, key: idempotencyKey })
        .lean<InteractionDoc>();
      if (!earlier) throw error;
      const sameInput =
        earlier.productId === productId &&
        earlier.type === type &&
        (input.occurredAt == null || earlier.occurredAt.getTime() === occurredAt.getTime());
      if (!sameInput) throw conflict('idempotencyKey was already used for a different interaction');
      return true;
    }
    await this.deps.cache.bump(scopes);
    return true;
  }

  /** `cart.item_added` of a signed-in customer: ADD_TO_CART. Returns the cache scopes to bump. */
  async fromCartAddition(
    session: ClientSession,
    event: { id: string; occurredAt: string },
    payload: { userId: string | null; productId: string },
  ): Promise<string[]> {
    return this.fromEvent(session, event, payload, 'ADD_TO_CART');
  }

  /** `user.wishlist_item_added`: a WISHLIST interaction (users owns the wishlist). Returns the scopes to bump. */
  async fromWishlistAddition(
    session: ClientSession,
    event: { id: string; occurredAt: string },
    payload: { userId: string; productId: string },
  ): Promise<string[]> {
    return this.fromEvent(session, event, payload, 'WISHLIST');
  }

  /** One interaction learnt from a domain event, keyed by the event's id. */
  private async fromEvent(
    session: ClientSession,
    event: { id: string; occurredAt: string },
    payload: { userId: string | null; productId: string },
    type: InteractionType,
  ): Promise<string[]> {
    if (!payload.userId) return [];
    const occurredAt = new Date(event.occurredAt);
    await this.deps.interactions.create(
      [
        {
          actor: `user:${payload.userId}`,
          key: `event:${event.id}`,
          userId: payload.userId,
          productId: payload.productId,
          type,
          occurredAt,
          source: 'event',
          createdAt: this.deps.clock(),
        },
      ],
      { session },
    );
    return this.deps.writer.apply(session, payload.userId, [
      { productId: payload.productId, type, occurredAtMs: occurredAt.getTime() },
    ]);
  }

  /**
   * `order.paid`: a PURCHASE per distinct product for the customer (none for a guest), and one
   * co-purchase between every two products of the order. Returns the cache scopes to bump.
   */
  async fromPaidOrder(
    session: ClientSession,
    event: { id: string; occurredAt: string },
    payload: { userId: string | null; lines: { productId: string }[] },
  ): Promise<string[]> {
    const occurredAt = new Date(event.occurredAt);
    const products = [...new Set(payload.lines.map((l) => l.productId))].slice(0, MAX_ORDER_PRODUCTS);
    if (products.length === 0) return [];
    if (payload.userId) {
      const userId = payload.userId;
      await this.deps.interactions.insertMany(
        products.map((productId) => ({
          actor: `user:${userId}`,
          key: `event:${event.id}:${productId}`,
          userId,
          productId,
          type: 'PURCHASE',
          occurredAt,
          source: 'event',
          createdAt: this.deps.clock(),
        })),
        { session },
      );
    }
    return this.deps.writer.apply(
      session,
      payload.userId ?? null,
      products.map((productId) => ({
        productId,
        type: 'PURCHASE' as const,
        occurredAtMs: occurredAt.getTime(),
      })),
      { coPurchase: true },
    );
  }
}
