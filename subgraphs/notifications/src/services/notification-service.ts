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
  type NotificationChannel,
  type NotificationDoc,
  type NotificationModel,
  type NotificationStatus,
  type NotificationType,
} from '../models/notification';
import { escapeHtml, renderMessage, type RenderedMessage } from '../templates/render';
import { type Preferences } from './preferences';
import { type TemplateOverrides } from './templates';

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
    /** The customer's channel choices and the admins' template overrides (all defaults without them). */
    private readonly options: { preferences?: Preferences; templates?: TemplateOverrides } = {},
  ) {}

  /**
   * The event's messages to one customer: an email unless they turned it off (transactional email
   * always), and a text message to their phone when they turned SMS on for the type. Returns false
   * when there was nothing new to create (a redelivered event).
   */
  async notify(input: NotifyInput): Promise<boolean> {
    const [choice, override] = await Promise.all([
      this.options.preferences?.choiceFor(input.userId, input.type),
      this.options.templates?.forType(input.type),
    ]);
    const message = renderMessage(input.type, input.data, override);
    let created = false;
    if (choice?.sms && choice.phone) {
      // A text message carries the subject line only.
      const sms = { subject: message.subject, text: message.subject, html: escapeHtml(message.subject) };
      created = await this.create(input, 'sms', choice.phone, sms);
    }
    // The email last: once it exists, so does every other message of the event.
    if (!choice || choice.email) {
      created = (await this.create(input, 'email', input.recipient.toLowerCase(), message)) || created;
    }
    if (created) this.onCreated();
    return created;
  }

  private async create(
    input: NotifyInput,
    channel: NotificationChannel,
    recipient: string,
    message: RenderedMessage,
  ): Promise<boolean> {
    try {
      await this.notifications.create({
        type: input.type,
        channel,
        userId: input.userId,
        recipient,
        subject: message.subject,
        body: message.text,
        html: message.html,
        status: 'PENDING',
        sourceEventId: input.sourceEventId,
        nextAttemptAt: new Date(),
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
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
