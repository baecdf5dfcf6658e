import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isCompositeType,
  getArgumentValues,
  getVariableValues,
  type DocumentNode,
  type TypeNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  isObjectType,
  isInterfaceType,
} from 'graphql';
import { ErrorCode } from '@novamart/kit';

export interface OperationLimits {
  /** Deepest field nesting allowed; the root field is depth 1. */
  maxDepth: number;
  /** Highest estimated cost allowed (see `operationCost`). */
  maxCost: number;
  /** How many items a list without a `first`/`last` argument is assumed to hold. */
  assumedListSize: number;
}

export interface OperationMeasure {
  depth: number;
  cost: number;
}

const pageSizeArguments = ['first', 'last', 'limit'];
// Connection wrappers whose size the parent's `first` already counts.
const connectionLists = new Set(['edges', 'nodes']);

/**
 * Depth and estimated cost of one operation, computed from the document alone so that a query
 * over the limits is refused before any subgraph is called.
 *
 * Cost: every field costs 1 plus the cost of its selection times the number of items it
 * returns: the value of its `first`/`last` argument (variables and schema defaults applied), the
 * assumed list size for other lists, 1 otherwise. Introspection (`__schema`, `__type`) is free:
 * Sandbox needs it and it never reaches a subgraph.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  assumedListSize: number,
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { depth: 0, cost: 0 };

  function walk(
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    parentWasPaged: boolean,
    visitingFragments: ReadonlySet<string>,
  ): OperationMeasure {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = fieldOf(parentType, name);
        if (!field) continue; // validation reports unknown fields
        const fieldType = getNullableType(field.type);
        const pageSize = pageSizeOf(field, selection, variables);
        const items =
          pageSize ??
          (isListType(fieldType) ? (parentWasPaged && connectionLists.has(name) ? 1 : assumedListSize) : 1);
        let childDepth = 0;
        let childCost = 0;
        const namedType = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(namedType)) {
          const child = walk(
            selection.selectionSet,
            namedType,
            pageSize !== undefined || (parentWasPaged && !isListType(fieldType)),
            visitingFragments,
          );
          childDepth = child.depth;
          childCost = child.cost;
        }
        depth = Math.max(depth, 1 + childDepth);
        cost += 1 + items * childCost;
      } else {
        let typeCondition: GraphQLCompositeType = parentType;
        let selections: SelectionSetNode;
        let nextVisiting = visitingFragments;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          selections = selection.selectionSet;
          const conditionName = selection.typeCondition?.name.value;
          const conditionType = conditionName ? schema.getType(conditionName) : undefined;
          if (conditionType && isCompositeType(conditionType)) typeCondition = conditionType;
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || visitingFragments.has(name)) continue; // validation reports cycles
          selections = fragment.selectionSet;
          const conditionType = schema.getType(fragment.typeCondition.name.value);
          if (conditionType && isCompositeType(conditionType)) typeCondition = conditionType;
          nextVisiting = new Set([...visitingFragments, name]);
        }
        const inner = walk(selections, typeCondition, parentWasPaged, nextVisiting);
        depth = Math.max(depth, inner.depth);
        cost += inner.cost;
      }
    }
    return { depth, cost };
  }

  return walk(operation.selectionSet, rootType, false, new Set());
}

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || isInterfaceType(type)) return type.getFields()[name];
  return undefined; // unions have no fields but __typename
}

function pageSizeOf(
  field: GraphQLField<unknown, unknown>,
  node: Parameters<typeof getArgumentValues>[1],
  variables: Record<string, unknown>,
): number | undefined {
  if (!field.args.some((arg) => pageSizeArguments.includes(arg.name))) return undefined;
  let values: Record<string, unknown>;
  try {
    values = getArgumentValues(field, node, variables);
  } catch {
    return undefined; // bad argument values are reported by execution with a better message
  }
  for (const name of pageSizeArguments) {
    const value = values[name];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, value);
  }
  return undefined;
}

/**
 * The variables `measureOperation` reads. Page sizes are Int, so only the operation's Int
 * variables are coerced (their defaults applied); the others pass as sent, measuring never reads
 * them. Coercing every variable, a checkout's whole input among them, repeated what execution does
 * right after (a profile of the read-your-writes requests showed it at 2.4% of their CPU). When a
 * variable does not coerce, execution reports it with graphql-js's own message, and the operation
 * is measured with what was sent.
 */
export function measuredVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const ints = (operation.variableDefinitions ?? []).filter((definition) => isIntType(definition.type));
  if (ints.length === 0) return variables;
  const coerced = getVariableValues(schema, ints, variables);
  return coerced.errors ? variables : { ...variables, ...coerced.coerced };
}

function isIntType(type: TypeNode): boolean {
  const inner = type.kind === Kind.NON_NULL_TYPE ? type.type : type;
  return inner.kind === Kind.NAMED_TYPE && inner.name.value === 'Int';
}

/**
 * Refuses an operation deeper or costlier than the limits: BAD_USER_INPUT naming the limit, with
 * HTTP 400 when served over HTTP.
 */
export function enforceOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: OperationLimits,
): OperationMeasure {
  const measure = measureOperation(schema, document, operation, variables, limits.assumedListSize);
  const checks = [
    { what: 'depth', limit: 'MAX_QUERY_DEPTH', maximum: limits.maxDepth, actual: measure.depth },
    { what: 'cost', limit: 'MAX_QUERY_COST', maximum: limits.maxCost, actual: measure.cost },
  ];
  for (const { what, limit, maximum, actual } of checks) {
    if (actual > maximum) {
      const message = `Query ${what} ${actual} exceeds the maximum query ${what} of ${maximum} (${limit})`;
      throw limitError(message, limit, maximum, actual);
    }
  }
  return measure;
}

function limitError(message: string, limit: string, maximum: number, actual: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, limit, maximum, actual, http: { status: 400 } },
  });
}
