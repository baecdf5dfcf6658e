import { modelOn } from '@novamart/kit';
import { type Connection, type Model, Schema } from 'mongoose';

/** One customer's choices (`_id` is the user id): per notification type, email and SMS on or off. */
export interface PreferenceDoc {
  _id: string;
  /** Keyed by NotificationType; a type absent here has the defaults (email on, SMS off). */
  channels: Record<string, { email: boolean; sms: boolean }>;
  updatedAt: Date;
}

const preferenceSchema = new Schema<PreferenceDoc>(
  {
    _id: String,
    channels: { type: Schema.Types.Mixed, default: () => ({}) },
    updatedAt: Date,
  },
  { collection: 'notification_preferences', versionKey: false, minimize: false },
);

/** An admin's replacement of a type's subject and body (`_id` is the NotificationType). */
export interface TemplateOverrideDoc {
  _id: string;
  subject: string;
  body: string;
  updatedBy: string;
  updatedAt: Date;
}

const templateOverrideSchema = new Schema<TemplateOverrideDoc>(
  {
    _id: String,
    subject: { type: String, required: true },
    body: { type: String, required: true },
    updatedBy: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'notification_templates', versionKey: false },
);

export type PreferenceModel = Model<PreferenceDoc>;
export type TemplateOverrideModel = Model<TemplateOverrideDoc>;

export function preferenceModel(conn: Connection): PreferenceModel {
  return modelOn<PreferenceDoc>(conn, 'NotificationPreference', preferenceSchema);
}

export function templateOverrideModel(conn: Connection): TemplateOverrideModel {
  return modelOn<TemplateOverrideDoc>(conn, 'TemplateOverride', templateOverrideSchema);
}
