import { Schema } from 'mongoose';
import { type Role, type Viewer } from './auth';

/**
 * One audit history per aggregate, written the same way by every subgraph: an entry per change,
 * in the transaction of the change, naming who made it. The GraphQL shape is `AuditEntry`
 * (@shareable) with `AuditActor` (@shareable), declared identically by each subgraph that has one
 * (docs/architecture.md, "Audit trail"). An entry is stored as it is
 * served (`auditEntrySchema`).
 */
export type AuditActorType = 'USER' | 'SYSTEM';

export interface AuditActor {
  type: AuditActorType;
  /** The user who acted (USER), else null. */
  userId: string | null;
  /** Their role when they acted (USER), else null. */
  role: Role | null;
  /** The domain or provider event that caused the change (SYSTEM), when there is one. */
  eventId: string | null;
}

export interface AuditEntry {
  at: Date;
  /** What happened, e.g. `payment.captured`, `order.status_changed`, `payment.approved`. */
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  actor: AuditActor;
  reason: string | null;
}

/** The actor of a change a signed-in user made. */
export function userActor(viewer: Viewer): AuditActor {
  return { type: 'USER', userId: viewer.id, role: viewer.role, eventId: null };
}

/** The caller of a request as an actor: a signed-in user, or a guest (USER without id). */
export function actorOf(viewer: Viewer | null): AuditActor {
  return viewer ? userActor(viewer) : { type: 'USER', userId: null, role: null, eventId: null };
}

/** The actor of a change the system made, in reaction to `eventId` when there is one. */
export function systemActor(eventId: string | null = null): AuditActor {
  return { type: 'SYSTEM', userId: null, role: null, eventId };
}

/** An audit entry; `at` defaults to now. */
export function auditEntry(input: {
  action: string;
  actor: AuditActor;
  fromStatus?: string | null;
  toStatus?: string | null;
  reason?: string | null;
  at?: Date;
}): AuditEntry {
  return {
    at: input.at ?? new Date(),
    action: input.action,
    fromStatus: input.fromStatus ?? null,
    toStatus: input.toStatus ?? null,
    actor: input.actor,
    reason: input.reason ?? null,
  };
}

/**
 * The mongoose schema of one stored entry (`auditTrail: { type: [auditEntrySchema()], default: [] }`).
 * `$type` is the type key because the actor has a field named `type`.
 */
export function auditEntrySchema(): Schema<AuditEntry> {
  return new Schema<AuditEntry>(
    {
      at: { $type: Date, required: true },
      action: { $type: String, required: true },
      fromStatus: { $type: String, default: null },
      toStatus: { $type: String, default: null },
      actor: {
        type: { $type: String, enum: ['USER', 'SYSTEM'], required: true },
        userId: { $type: String, default: null },
        role: { $type: String, default: null },
        eventId: { $type: String, default: null },
      },
      reason: { $type: String, default: null },
    },
    { _id: false, typeKey: '$type' },
  );
}
