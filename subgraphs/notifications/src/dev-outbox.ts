import { type Model, Schema, type SchemaDefinition } from 'mongoose';

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
 * Where a development outbox keeps what it "sends": each message once (a redelivered event stores
 * nothing new), read back newest first for one recipient.
 */
export class DevOutboxStore<TDoc extends DevOutboxDoc> {
  constructor(private readonly messages: Model<TDoc>) {}

  async store(message: Omit<TDoc, 'storedAt'>): Promise<void> {
    await this.messages.updateOne(
      { messageId: message.messageId },
      { $setOnInsert: { ...message, storedAt: new Date() } },
      { upsert: true },
    );
  }

  async newestTo(recipient: string, first: number): Promise<TDoc[]> {
    return this.messages.find({ to: recipient }).sort({ storedAt: -1, _id: -1 }).limit(first).lean<TDoc[]>();
  }
}
