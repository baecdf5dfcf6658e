import {
  badUserInput,
  forbidden,
  notFound,
  pageArgs,
  requireRole,
  requireViewer,
  toConnection,
  type Viewer,
  isDuplicateKeyError,
} from '@novamart/kit';
import { Types } from 'mongoose';
import {
  type NotificationDoc,
  type NotificationModel,
  type NotificationStatus,
  type NotificationType,
} from '../models/notification';
import { renderMessage } from '../templates/render';

export interface NotifyInput {
  type: NotificationType;
  /** The domain event that calls for the message. */
  sourceEventId: string;
  recipient: string;
  userId: string | null;
  data: Record<string, unknown>;
}

interface ListArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * Turns domain events into notification records and answers the notification queries. Creating
 * is idempotent: the record's key is (event, type, recipient), so the same event delivered twice
 * finds its message already there and sends nothing more.
 */
export class NotificationService {
  constructor(
    private readonly notifications: NotificationModel,
    /** Wakes the dispatcher so a new message goes out at once rather than at the next poll. */
    private readonly onCreated: () => void = () => {},
  ) {}

  /** Returns false when this event's message to this recipient already exists. */
  async notify(input: NotifyInput): Promise<boolean> {
    const message = renderMessage(input.type, input.data);
    try {
      await this.notifications.create({
        type: input.type,
        channel: 'email',
        userId: input.userId,
        recipient: input.recipient.toLowerCase(),
        subject: message.subject,
        body: message.text,
        html: message.html,
        status: 'PENDING',
        sourceEventId: input.sourceEventId,
        nextAttemptAt: new Date(),
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    this.onCreated();
    return true;
  }

  /** The caller's own notifications, newest first. */
  async mine(viewer: Viewer | null, args: ListArgs & { unreadOnly?: boolean | null }) {
    const me = requireViewer({ viewer });
    return this.page({ userId: me.id, ...(args.unreadOnly && { readAt: null }) }, args);
  }

  /** ADMIN: every notification, newest first, optionally filtered. */
  async all(
    viewer: Viewer | null,
    args: ListArgs & {
      filter?: {
        type?: NotificationType | null;
        status?: NotificationStatus | null;
        recipient?: string | null;
      } | null;
    },
  ) {
    requireRole({ viewer }, 'SUPPORT');
    const f = args.filter ?? {};
    return this.page(
      {
        ...(f.type && { type: f.type }),
        ...(f.status && { status: f.status }),
        ...(f.recipient && { recipient: f.recipient.trim().toLowerCase() }),
      },
      args,
    );
  }

  async markRead(viewer: Viewer | null, id: string): Promise<NotificationDoc> {
    const me = requireViewer({ viewer });
    const existing = Types.ObjectId.isValid(id) ? await this.notifications.findById(id).lean().exec() : null;
    if (!existing) throw notFound('Notification', { id });
    if (existing.userId !== me.id) throw forbidden('Only the recipient can mark a notification read');
    if (existing.readAt) return existing;
    const updated = await this.notifications
      .findOneAndUpdate(
        { _id: existing._id, readAt: null },
        { $set: { readAt: new Date() } },
        { returnDocument: 'after' },
      )
      .lean<NotificationDoc>()
      .exec();
    return updated ?? ((await this.notifications.findById(id).lean().exec()) as NotificationDoc);
  }

  private async page(filter: Record<string, unknown>, args: ListArgs) {
    const { first, after } = pageArgs<{ id: string }>(args, { max: 100 });
    if (after && !Types.ObjectId.isValid(after.id)) throw badUserInput('Invalid cursor', 'after');
    const rows = await this.notifications
      .find({ ...filter, ...(after && { _id: { $lt: new Types.ObjectId(after.id) } }) })
      .sort({ _id: -1 })
      .limit(first + 1)
      .lean()
      .exec();
    return toConnection(rows, first, (row) => ({ id: String(row._id) }));
  }
}
