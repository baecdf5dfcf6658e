import { modelOn, type Logger } from '@novamart/kit';
import { type Connection, type Model, Schema, type SchemaDefinition } from 'mongoose';

/** What both development outboxes (mail and text messages) keep of a message. */
export interface DevOutboxDoc {
  from: string;
  to: string;
  messageId: string;
  storedAt: Date;
}

/** An outbox collection: the common fields (by recipient, one per message id) plus the channel's own. */
export function devOutboxSchema<TDoc extends DevOutboxDoc>(
  collection: string,
  fields: SchemaDefinition,
): Schema<TDoc> {
  return new Schema<TDoc>(
    {
      from: String,
      to: { type: String, index: true },
      messageId: { type: String, unique: true },
      storedAt: Date,
      ...fields,
    },
    { collection, versionKey: false },
  );
}

/**
 * Where a channel "sends" without a configured provider: each message stored once (a redelivered
 * event stores nothing new) and logged, readable newest first per recipient outside production.
 */
export abstract class DevOutbox<TDoc extends DevOutboxDoc> {
  readonly kind = 'dev-outbox' as const;
  private readonly messages: Model<TDoc>;

  protected constructor(
    conn: Connection,
    model: { name: string; schema: Schema<TDoc> },
    protected readonly logger: Logger,
  ) {
    this.messages = modelOn<TDoc>(conn, model.name, model.schema);
  }

  protected async store(message: Omit<TDoc, 'storedAt'>): Promise<void> {
    await this.messages.updateOne(
      { messageId: message.messageId },
      { $setOnInsert: { ...message, storedAt: new Date() } },
      { upsert: true },
    );
  }

  protected async newestTo(recipient: string, first: number): Promise<TDoc[]> {
    return this.messages.find({ to: recipient }).sort({ storedAt: -1, _id: -1 }).limit(first).lean<TDoc[]>();
  }
}
