import { badUserInput, requireAdmin, type Viewer } from '@novamart/kit';
import { NOTIFICATION_TYPES, type NotificationType } from '../models/notification';
import { type TemplateOverrideDoc, type TemplateOverrideModel } from '../models/preferences';
import {
  checkTemplateSyntax,
  providedVariables,
  variablesOf,
  type TemplateOverride,
} from '../templates/render';

const MAX_SUBJECT = 200;
const MAX_BODY = 10_000;

export interface TemplateView {
  type: NotificationType;
  variables: string[];
  override: TemplateOverrideDoc | null;
}

function checkPart(type: NotificationType, text: unknown, field: string, max: number): string {
  const value = typeof text === 'string' ? text : '';
  if (value.trim() === '') throw badUserInput(`${field.split('.').pop()} is required`, field);
  if (value.length > max)
    throw badUserInput(`${field.split('.').pop()} is longer than ${max} characters`, field);
  try {
    checkTemplateSyntax(value);
  } catch (error) {
    throw badUserInput(`${field.split('.').pop()}: ${(error as Error).message}`, field);
  }
  const provided = new Set(providedVariables(type));
  const unknown = variablesOf(value).filter((name) => !provided.has(name));
  if (unknown.length > 0) {
    throw badUserInput(
      `${type} provides no ${unknown.map((n) => `{{${n}}}`).join(', ')}; it provides ${[...provided].join(', ')}`,
      field,
      { unknownVariables: unknown },
    );
  }
  return value;
}

/**
 * ADMIN overrides of a type's subject and plain-text body. Every variable an override uses must be
 * one the type provides; values are escaped in the HTML part as in the built-in templates.
 */
export class TemplateOverrides {
  constructor(private readonly overrides: TemplateOverrideModel) {}

  /** The override in force for a type, or null (the built-in template). */
  async forType(type: NotificationType): Promise<TemplateOverride | null> {
    return this.overrides.findById(type).lean().exec();
  }

  async list(viewer: Viewer | null): Promise<TemplateView[]> {
    requireAdmin({ viewer });
    const rows = await this.overrides.find().lean().exec();
    const byType = new Map(rows.map((row) => [row._id, row]));
    return NOTIFICATION_TYPES.map((type) => ({
      type,
      variables: providedVariables(type),
      override: byType.get(type) ?? null,
    }));
  }

  async set(viewer: Viewer | null, input: { type: NotificationType; subject: string; body: string }) {
    const admin = requireAdmin({ viewer });
    if (!NOTIFICATION_TYPES.includes(input.type))
      throw badUserInput('Unknown notification type', 'input.type');
    const subject = checkPart(input.type, input.subject, 'input.subject', MAX_SUBJECT);
    const body = checkPart(input.type, input.body, 'input.body', MAX_BODY);
    const doc = { _id: input.type, subject, body, updatedBy: admin.id, updatedAt: new Date() };
    await this.overrides.replaceOne({ _id: input.type }, doc, { upsert: true });
    return { type: input.type, variables: providedVariables(input.type), override: doc };
  }

  async reset(viewer: Viewer | null, type: NotificationType): Promise<boolean> {
    requireAdmin({ viewer });
    const removed = await this.overrides.deleteOne({ _id: type });
    return removed.deletedCount > 0;
  }
}
