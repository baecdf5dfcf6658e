// Update documents: validation with mongod's error codes, then mingo for the operators themselves.
// mingo silently ignores some invalid updates ($inc on a string, $push on a scalar) that mongod rejects,
// so those checks live here.
import { ObjectId } from 'bson';
import { update as mingoUpdate } from 'mingo/updater';
import { applySimpleUpdate, SIMPLE_OPS } from './fast-update';
import { MONGO_CONTEXT, newAggregator } from './mingo-context';
import { getPath, setPath } from '../bson/paths';
import { bsonTypeName, cloneValue, isNumeric, isPlainObject, valuesEqual, type Doc } from '../bson/values';
import { ErrorCodes, fail } from '../errors';

// Every update operator mongod knows: those fast-update applies itself, and two only mingo applies.
const OPERATORS = new Set([...SIMPLE_OPS, '$rename', '$bit']);

export type UpdateSpec = Doc | Doc[];

export function isOperatorUpdate(update: UpdateSpec): boolean {
  if (Array.isArray(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && keys[0]!.startsWith('$');
}

export function validateUpdateSpec(update: unknown): asserts update is UpdateSpec {
  if (Array.isArray(update)) {
    for (const stage of update) {
      if (!isPlainObject(stage))
        fail(ErrorCodes.FailedToParse, 'Each element of the update pipeline must be an object');
      const name = Object.keys(stage)[0] ?? '';
      if (!['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith'].includes(name)) {
        fail(ErrorCodes.InvalidOptions, `${name} is not allowed to be used within an update`);
      }
    }
    return;
  }
  if (!isPlainObject(update))
    fail(ErrorCodes.FailedToParse, 'Update argument must be either an object or an array');
  const keys = Object.keys(update);
  if (keys.length === 0) return;
  if (keys[0]!.startsWith('$')) {
    for (const k of keys) {
      if (!OPERATORS.has(k))
        fail(
          ErrorCodes.FailedToParse,
          `Unknown modifier: ${k}. Expected a valid update modifier or pipeline-style update specified as an array`,
        );
      const arg = update[k];
      if (!isPlainObject(arg))
        fail(
          ErrorCodes.FailedToParse,
          `Modifiers operate on fields but we found type ${bsonTypeName(arg)} instead. For example: {$mod: {<field>: ...}} not {${k}: ${JSON.stringify(arg)}}`,
        );
    }
    checkConflicts(update);
  } else {
    for (const k of keys)
      if (k.startsWith('$'))
        fail(
          ErrorCodes.DollarPrefixedFieldName,
          `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
  }
}

function checkConflicts(update: Doc): void {
  const seen: string[] = [];
  for (const [op, arg] of Object.entries(update)) {
    for (const [path, value] of Object.entries(arg as Doc)) {
      const targets = op === '$rename' ? [path, String(value)] : [path];
      for (const target of targets) {
        const norm = target.replace(/\.\$(\[[^\]]*\])?/g, '.$');
        for (const other of seen) {
          if (other === norm || other.startsWith(norm + '.') || norm.startsWith(other + '.')) {
            fail(
              ErrorCodes.ConflictingUpdateOperators,
              `Updating the path '${target}' would create a conflict at '${other.length < norm.length ? other : norm}'`,
            );
          }
        }
        seen.push(norm);
      }
    }
  }
}

export interface ApplyOptions {
  filter: Doc;
  arrayFilters?: Doc[];
  /** True when building a new document for an upsert: $setOnInsert applies. */
  inserting: boolean;
  variables?: Doc;
}

/** Returns the updated copy of `doc`; `doc` itself is never modified (stored versions are immutable). */
export function applyUpdate(doc: Doc, update: UpdateSpec, options: ApplyOptions): Doc {
  if (Array.isArray(update)) return applyPipeline(doc, update, options);
  const keys = Object.keys(update);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return applyReplacement(doc, update);
  for (const [op, arg] of Object.entries(update))
    if (op !== '$setOnInsert' || options.inserting) checkOperatorTargets(doc, op, arg as Doc);
  if (!options.arrayFilters || options.arrayFilters.length === 0) {
    const simple = applySimpleUpdate(doc, update, options.inserting);
    if (simple) {
      if (!valuesEqual(simple._id, doc._id) && !(doc._id === undefined && options.inserting)) {
        fail(
          ErrorCodes.ImmutableField,
          "Performing an update on the path '_id' would modify the immutable field '_id'",
        );
      }
      return simple;
    }
  }
  const next = cloneValue(doc);
  const modifier: Doc = {};
  let newId: { value: unknown } | undefined;
  for (const [op, rawArg] of Object.entries(update)) {
    if (op === '$setOnInsert' && !options.inserting) continue;
    const arg = withoutIdAssignment(doc, op, rawArg as Doc, options.inserting, (value) => {
      newId = { value };
    });
    if (op === '$setOnInsert') {
      modifier.$set = { ...((modifier.$set as Doc | undefined) ?? {}), ...arg };
      continue;
    }
    checkOperatorTargets(next, op, arg);
    if (op === '$set' && modifier.$set) modifier.$set = { ...(modifier.$set as Doc), ...(arg as Doc) };
    else modifier[op] = arg;
  }
  if (Object.keys(modifier).length > 0) {
    try {
      // The filter only matters to the positional $ operator; evaluating it otherwise is wasted work.
      const positional = Object.values(modifier).some((arg) =>
        Object.keys(arg as Doc).some((p) => /(^|\.)\$(\.|$)/.test(p)),
      );
      mingoUpdate(
        next,
        modifier as never,
        options.arrayFilters,
        (positional ? options.filter : undefined) as never,
        {
          cloneMode: 'deep',
          queryOptions: { context: MONGO_CONTEXT, variables: options.variables },
        },
      );
    } catch (err) {
      const message = (err as Error).message;
      if (/immutable field '_id'/.test(message)) fail(ErrorCodes.ImmutableField, message);
      // mingo's wording for a positional $ the filter does not resolve; mongod's is this one.
      if (message.startsWith("You must include the array field for '.$'")) {
        fail(ErrorCodes.BadValue, 'The positional operator did not find the match needed from the query.');
      }
      fail(ErrorCodes.BadValue, message);
    }
  }
  if (newId) next._id = newId.value;
  if (!valuesEqual(next._id, doc._id) && !(doc._id === undefined && options.inserting)) {
    fail(
      ErrorCodes.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return next;
}

/**
 * mongod accepts $set/$setOnInsert of _id to the value it already has (a no-op), lets an upsert
 * give the new document its _id that way, and answers ImmutableField (66) for any other change.
 * mingo refuses every write to _id, so the assignment is taken out before mingo sees it.
 */
function withoutIdAssignment(
  doc: Doc,
  op: string,
  arg: Doc,
  inserting: boolean,
  assign: (id: unknown) => void,
): Doc {
  if ((op !== '$set' && op !== '$setOnInsert') || !isPlainObject(arg) || !('_id' in arg)) return arg;
  const { _id: id, ...rest } = arg;
  if (doc._id === undefined && inserting) assign(id);
  else if (!valuesEqual(id, doc._id)) {
    fail(
      ErrorCodes.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
  return rest;
}

function checkOperatorTargets(doc: Doc, op: string, arg: Doc): void {
  for (const [path, value] of Object.entries(arg)) {
    if (path === '' || path.split('.').some((p) => p === ''))
      fail(ErrorCodes.BadValue, `An empty update path is not valid.`);
    if (path === '_id' && op !== '$set' && op !== '$setOnInsert') {
      fail(
        ErrorCodes.ImmutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    const positional = path.includes('$');
    const current = positional ? undefined : getPath(doc, path);
    switch (op) {
      case '$inc':
      case '$mul':
        if (!isNumeric(value))
          fail(
            ErrorCodes.TypeMismatch,
            `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${JSON.stringify(value)}}`,
          );
        if (current !== undefined && !isNumeric(current)) {
          fail(
            ErrorCodes.TypeMismatch,
            `Cannot apply ${op} to a value of non-numeric type. {_id: ${JSON.stringify(doc._id)}} has the field '${path}' of non-numeric type ${bsonTypeName(current)}`,
          );
        }
        break;
      case '$push':
      case '$addToSet':
      case '$pull':
      case '$pullAll':
      case '$pop':
        if (current !== undefined && !Array.isArray(current)) {
          fail(
            ErrorCodes.BadValue,
            `The field '${path}' must be an array but is of type ${bsonTypeName(current)} in document {_id: ${JSON.stringify(doc._id)}}`,
          );
        }
        if (op === '$pullAll' && !Array.isArray(value))
          fail(
            ErrorCodes.BadValue,
            `$pullAll requires an array argument but was given a ${bsonTypeName(value)}`,
          );
        break;
      case '$rename':
        if (typeof value !== 'string')
          fail(
            ErrorCodes.BadValue,
            `The 'to' field for $rename must be a string: ${path}: ${JSON.stringify(value)}`,
          );
        if (value === path)
          fail(
            ErrorCodes.BadValue,
            `The source and target field for $rename must differ: ${path}: "${value}"`,
          );
        break;
      default:
        break;
    }
  }
}

function applyReplacement(doc: Doc, replacement: Doc): Doc {
  for (const k of Object.keys(replacement)) {
    if (k.startsWith('$'))
      fail(
        ErrorCodes.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document.`,
      );
  }
  if ('_id' in replacement && doc._id !== undefined && !valuesEqual(replacement._id, doc._id)) {
    fail(
      ErrorCodes.ImmutableField,
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(replacement._id)}`,
    );
  }
  const out: Doc = doc._id === undefined ? {} : { _id: doc._id };
  for (const [k, v] of Object.entries(replacement))
    if (k !== '_id' || doc._id === undefined) out[k] = cloneValue(v);
  return out;
}

function applyPipeline(doc: Doc, pipeline: Doc[], options: ApplyOptions): Doc {
  let result: Doc[];
  try {
    result = newAggregator(pipeline, { variables: options.variables }).run([cloneValue(doc)]) as Doc[];
  } catch (err) {
    fail(ErrorCodes.BadValue, (err as Error).message);
  }
  const next = result[0] ?? {};
  if (doc._id !== undefined) {
    if (next._id === undefined) return { _id: doc._id, ...next };
    if (!valuesEqual(next._id, doc._id))
      fail(
        ErrorCodes.ImmutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
  }
  return next;
}

/** The seed document of an upsert: the filter's equality conditions, as mongod extracts them. */
export function upsertSeed(filter: Doc): Doc {
  const seed: Doc = {};
  const collect = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) collect(sub);
        continue;
      }
      if (k.startsWith('$')) continue;
      if (isPlainObject(v)) {
        const opKeys = Object.keys(v);
        if (opKeys.length > 0 && opKeys[0]!.startsWith('$')) {
          if ('$eq' in v) setPath(seed, k, cloneValue(v.$eq));
          else if (Array.isArray(v.$in) && v.$in.length === 1) setPath(seed, k, cloneValue(v.$in[0]));
          continue;
        }
      }
      setPath(seed, k, cloneValue(v));
    }
  };
  collect(filter);
  return seed;
}

/** Builds the document an upsert inserts; _id comes first, generated when neither filter nor update set it. */
export function buildUpsertDocument(
  filter: Doc,
  update: UpdateSpec,
  options: Omit<ApplyOptions, 'inserting'>,
): Doc {
  let doc: Doc;
  if (!Array.isArray(update) && !isOperatorUpdate(update)) {
    const seed = upsertSeed(filter);
    doc = applyReplacement({}, update);
    if (doc._id === undefined && seed._id !== undefined) doc = { _id: seed._id, ...doc };
  } else {
    doc = applyUpdate(upsertSeed(filter), update, { ...options, inserting: true });
  }
  return withIdFirst(doc);
}

export function withIdFirst(doc: Doc): Doc {
  const id = doc._id === undefined ? new ObjectId() : doc._id;
  const keys = Object.keys(doc);
  if (keys[0] === '_id') return doc;
  const out: Doc = { _id: id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}
