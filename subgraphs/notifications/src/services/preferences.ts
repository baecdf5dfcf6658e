import { badUserInput, requireViewer, type Viewer } from '@novamart/kit';
import { type AccountContactModel } from '../models/contacts';
import { NOTIFICATION_TYPES, TRANSACTIONAL_EMAIL, type NotificationType } from '../models/notification';
import { type PreferenceModel } from '../models/preferences';

/** Types a customer receives (the low-stock alert goes to admins and has no preference). */
export const CUSTOMER_TYPES = NOTIFICATION_TYPES.filter((type) => type !== 'LOW_STOCK_ALERT');

export interface ChannelChoice {
  email: boolean;
  sms: boolean;
}

export interface PreferenceView extends ChannelChoice {
  type: NotificationType;
  /** Transactional email: always sent. */
  emailRequired: boolean;
}

const DEFAULT_CHOICE: ChannelChoice = { email: true, sms: false };

/**
 * Per customer, per type: email and SMS on or off. Email defaults on and SMS off; transactional
 * email cannot be turned off (BAD_USER_INPUT on `email`). SMS needs a phone number on the account
 * (`User.phone`), which notifications learns from `user.phone_changed`.
 */
export class Preferences {
  constructor(
    private readonly preferences: PreferenceModel,
    private readonly accounts: AccountContactModel,
  ) {}

  /** What a message of this type to this customer goes by (defaults for unknown customers and guests). */
  async choiceFor(
    userId: string | null,
    type: NotificationType,
  ): Promise<ChannelChoice & { phone: string | null }> {
    if (!userId) return { ...DEFAULT_CHOICE, phone: null };
    const [doc, account] = await Promise.all([
      this.preferences.findById(userId).lean().exec(),
      this.accounts.findById(userId).lean().exec(),
    ]);
    const choice = { ...DEFAULT_CHOICE, ...doc?.channels?.[type] };
    if (TRANSACTIONAL_EMAIL.has(type)) choice.email = true;
    return { ...choice, phone: account?.phone ?? null };
  }

  /** `notificationPreferences`: the caller's choices for every customer type, and the phone SMS goes to. */
  async mine(viewer: Viewer | null): Promise<{ phone: string | null; types: PreferenceView[] }> {
    const me = requireViewer({ viewer });
    const [doc, account] = await Promise.all([
      this.preferences.findById(me.id).lean().exec(),
      this.accounts.findById(me.id).lean().exec(),
    ]);
    return {
      phone: account?.phone ?? null,
      types: CUSTOMER_TYPES.map((type) => {
        const required = TRANSACTIONAL_EMAIL.has(type);
        const choice = { ...DEFAULT_CHOICE, ...doc?.channels?.[type] };
        return { type, email: required || choice.email, sms: choice.sms, emailRequired: required };
      }),
    };
  }

  /** `setNotificationPreference`: one type's channels for the caller; answers every type. */
  async set(viewer: Viewer | null, input: { type: NotificationType } & ChannelChoice) {
    const me = requireViewer({ viewer });
    if (!(CUSTOMER_TYPES as readonly string[]).includes(input.type)) {
      throw badUserInput(`${String(input.type)} has no customer preference`, 'input.type');
    }
    if (!input.email && TRANSACTIONAL_EMAIL.has(input.type)) {
      throw badUserInput(`${input.type} is a transactional email and cannot be turned off`, 'input.email');
    }
    await this.preferences.updateOne(
      { _id: me.id },
      { $set: { [`channels.${input.type}`]: { email: input.email, sms: input.sms }, updatedAt: new Date() } },
      { upsert: true },
    );
    return this.mine(viewer);
  }
}
