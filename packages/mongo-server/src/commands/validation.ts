// Collection validators (validator / validationLevel / validationAction), checked on every write path
// with mongod's DocumentValidationFailure (121) and its errInfo.
import { isPlainObject, type Doc } from '../bson/values';
import { fail } from '../errors';
import { checkSchema } from '../query/json-schema';
import { compileFilter } from '../query/matcher';
import type { Collection } from '../storage/collection';
import type { CommandContext } from './context';

export const DocumentValidationFailure = 121;

function passes(validator: Doc, doc: Doc): boolean {
  return compileFilter(validator).test(doc);
}

function details(validator: Doc, doc: Doc): Doc {
  if (isPlainObject(validator.$jsonSchema) && Object.keys(validator).length === 1) {
    const failures = checkSchema(validator.$jsonSchema, doc);
    return {
      operatorName: '$jsonSchema',
      schemaRulesNotSatisfied: failures.map((f) => ({
        operatorName: f.rule,
        propertyName: f.path,
        details: f.detail,
      })),
    };
  }
  const clauses = Object.entries(validator)
    .filter(([k, v]) => !passes({ [k]: v }, doc))
    .map(([k, v]) => ({ operatorName: k.startsWith('$') ? k : '$eq', specifiedAs: { [k]: v } }));
  return { operatorName: '$and', clausesNotSatisfied: clauses };
}

/** Throws DocumentValidationFailure if `doc` may not be written (`before` is the version it replaces). */
export function validateDocument(ctx: CommandContext, coll: Collection, doc: Doc, before: Doc | null): void {
  const validator = coll.options.validator;
  if (!isPlainObject(validator) || Object.keys(validator).length === 0) return;
  if (ctx.cmd.bypassDocumentValidation === true) return;
  const level = coll.options.validationLevel ?? 'strict';
  if (level === 'off') return;
  if (level === 'moderate' && before && !passes(validator, before)) return;
  if (passes(validator, doc)) return;
  if (coll.options.validationAction === 'warn') {
    console.warn(
      `[mongo-server] document ${JSON.stringify(doc._id)} in ${coll.ns} failed validation (validationAction: warn)`,
    );
    return;
  }
  fail(DocumentValidationFailure, 'Document failed validation', {
    codeName: 'DocumentValidationFailure',
    extra: { errInfo: { failingDocumentId: doc._id, details: details(validator, doc) } },
  });
}
