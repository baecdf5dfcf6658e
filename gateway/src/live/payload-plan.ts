import {
  GraphQLError,
  GraphQLSkipDirective,
  GraphQLIncludeDirective,
  Kind,
  getDirectiveValues,
  isNonNullType,
  isLeafType,
  isListType,
  getNamedType,
  getNullableType,
  type GraphQLOutputType,
  isObjectType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
  type GraphQLFormattedError,
  type ExecutionResult,
} from 'graphql';

/** The payload field resolved through the supergraph, and the query that fetches it. */
export interface EntityResolution {
  /** Field of the payload type holding the entity, e.g. `order`. */
  payloadField: string;
  /** Query root field returning the entity by id, e.g. `order` of `order(id: ID!)`. */
  queryField: string;
  /** Its id argument, e.g. `id`. */
  idArgument: string;
}

type PayloadEntry =
  | { key: string; kind: 'typename' }
  | { key: string; kind: 'fromMessage'; field: string; type: GraphQLOutputType }
  | { key: string; kind: 'entity'; nonNull: boolean };

/**
 * How to turn one live-bus message into the `data` of a subscription event: which response keys
 * come from the message, and a query document that fetches the entity part of the client's
 * selection through the gateway, with the client's own aliases, fragments and variables, so the
 * entity arrives exactly as a query for the same fields would return it.
 */
export interface PayloadPlan {
  /** Response key of the subscription root field (its alias, if any). */
  rootKey: string;
  rootNonNull: boolean;
  payloadType: GraphQLObjectType;
  entries: PayloadEntry[];
  /** Undefined when the client selected no entity field: nothing to fetch per event. */
  entityQuery?: DocumentNode;
  /**
   * Set when the client selected nothing of the entity but its id and `__typename` (a client
   * telling its orders apart): the entity is built from the message's id instead of fetched,
   * `__typename` to its type's name, every other response key to the id. No read is needed to
   * decide access either: a live field's channel is the subscriber's own or passed the ownership
   * check at subscribe (live-fields.ts), and the message's id is the one the channel is about.
   */
  entityFromId?: { typeName: string; fields: Map<string, IdOnlyFields> };
}

export const ENTITY_ID_VARIABLE = '__liveEntityId';

type PlanOptions = {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  rootField: FieldNode;
  variableValues: Record<string, unknown>;
  entity: EntityResolution;
};

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
const entityIdVariable = { kind: Kind.VARIABLE, name: name(ENTITY_ID_VARIABLE) } as const;

/** The payload type of the subscription field and the id argument of the entity's query field. */
function resolveTypes(schema: GraphQLSchema, rootField: FieldNode, entity: EntityResolution) {
  const rootDefinition = schema.getSubscriptionType()?.getFields()[rootField.name.value];
  if (!rootDefinition) throw new GraphQLError(`Unknown subscription field "${rootField.name.value}"`);
  const payloadType = schema.getType(namedTypeName(rootDefinition.type));
  if (!isObjectType(payloadType)) {
    throw new GraphQLError(`Subscription field "${rootField.name.value}" must return an object type`);
  }
  const queryField = schema.getQueryType()?.getFields()[entity.queryField];
  if (!queryField)
    throw new GraphQLError(`The supergraph has no Query.${entity.queryField} to resolve live events`);
  const idArgument = queryField.args.find((arg) => arg.name === entity.idArgument);
  if (!idArgument)
    throw new GraphQLError(`Query.${entity.queryField} has no "${entity.idArgument}" argument`);
  return { rootDefinition, payloadType, idArgument };
}

/**
 * graphql-js's CollectFields over the payload type: fragments on it inlined, @skip/@include
 * applied, nodes grouped by response key in first-seen order.
 */
function collectFields(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  variableValues: Record<string, unknown>,
): Map<string, FieldNode[]> {
  const grouped = new Map<string, FieldNode[]>();
  const collect = (set: SelectionSetNode, visited: Set<string>) => {
    for (const selection of set.selections) {
      if (!included(selection, variableValues)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        grouped.set(key, [...(grouped.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, visited);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || visited.has(selection.name.value)) continue;
        visited.add(selection.name.value);
        collect(fragment.selectionSet, visited);
      }
    }
  };
  if (selectionSet) collect(selectionSet, new Set());
  return grouped;
}

/** The entity's query field under the client's response key, with the client's selections. */
function entityField(key: string, nodes: FieldNode[], entity: EntityResolution): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: name(key),
    name: name(entity.queryField),
    arguments: [{ kind: Kind.ARGUMENT, name: name(entity.idArgument), value: entityIdVariable }],
    directives: [],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []),
    },
  };
}

/** The query that fetches the entity part: only the client's fragments and variables it uses. */
function entityQueryOf(
  entityFields: FieldNode[],
  fragments: Map<string, FragmentDefinitionNode>,
  options: PlanOptions,
  idTypeName: string,
): DocumentNode {
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: entityFields };
  const usedFragments = fragmentsUsedBy(selectionSet, fragments);
  const usedVariables = variablesUsedBy([selectionSet, ...usedFragments.map((f) => f.selectionSet)]);
  const idVariable: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: entityIdVariable,
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name(idTypeName) } },
    directives: [],
  };
  return {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        name: name(`Live_${options.rootField.name.value}`),
        variableDefinitions: [
          idVariable,
          ...(options.operation.variableDefinitions ?? []).filter((definition) =>
            usedVariables.has(definition.variable.name.value),
          ),
        ],
        directives: [],
        selectionSet,
      },
      ...usedFragments,
    ],
  };
}

export function planPayload(options: PlanOptions): PayloadPlan {
  const { document, rootField, variableValues, entity } = options;
  const { rootDefinition, payloadType, idArgument } = resolveTypes(options.schema, rootField, entity);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const entries: PayloadEntry[] = [];
  const entityFields: FieldNode[] = [];
  const payloadFields = payloadType.getFields();
  for (const [key, nodes] of collectFields(rootField.selectionSet, fragments, variableValues)) {
    const fieldName = (nodes[0] as FieldNode).name.value;
    const definition = payloadFields[fieldName];
    if (fieldName === '__typename') {
      entries.push({ key, kind: 'typename' });
    } else if (fieldName === entity.payloadField) {
      entries.push({ key, kind: 'entity', nonNull: definition ? isNonNullType(definition.type) : false });
      entityFields.push(entityField(key, nodes, entity));
    } else {
      if (!definition) throw new GraphQLError(`Unknown field "${fieldName}" on ${payloadType.name}`);
      entries.push({ key, kind: 'fromMessage', field: fieldName, type: definition.type });
    }
  }

  const plan: PayloadPlan = {
    rootKey: rootField.alias?.value ?? rootField.name.value,
    rootNonNull: isNonNullType(rootDefinition.type),
    payloadType,
    entries,
  };
  if (entityFields.length > 0) {
    plan.entityQuery = entityQueryOf(entityFields, fragments, options, namedTypeName(idArgument.type));
    const entityType = payloadFields[entity.payloadField]?.type;
    const fields = new Map<string, IdOnlyFields>();
    for (const field of entityFields) {
      const idOnly = idOnlySelection(field);
      if (idOnly) fields.set(field.alias?.value ?? field.name.value, idOnly);
    }
    if (entityType && fields.size === entityFields.length)
      plan.entityFromId = { typeName: namedTypeName(entityType), fields };
  }
  return plan;
}

/** The response keys of an id-only entity selection, in the client's order, and what each holds. */
type IdOnlyFields = { key: string; holds: 'typename' | 'id' }[];

/**
 * The response keys of an entity field selecting only plain `id` and `__typename` fields (no
 * arguments, directives or fragments), or null when it asks for anything else.
 */
function idOnlySelection(entityField: FieldNode): IdOnlyFields | null {
  const fields: IdOnlyFields = [];
  for (const selection of entityField.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length || selection.arguments?.length)
      return null;
    const key = selection.alias?.value ?? selection.name.value;
    if (selection.name.value === '__typename') fields.push({ key, holds: 'typename' });
    else if (selection.name.value === 'id') fields.push({ key, holds: 'id' });
    else return null;
  }
  return fields;
}

/** The entity part of a payload built from the message's id (`PayloadPlan.entityFromId`). */
export function entityResultFromId(
  plan: PayloadPlan,
  entityId: string,
): { data: Record<string, unknown> } | undefined {
  const fromId = plan.entityFromId;
  if (!fromId) return undefined;
  const data: Record<string, unknown> = {};
  for (const [responseKey, fields] of fromId.fields) {
    const entity: Record<string, unknown> = {};
    for (const { key, holds } of fields) entity[key] = holds === 'id' ? entityId : fromId.typeName;
    data[responseKey] = entity;
  }
  return { data };
}

/**
 * The event delivered to the client: message fields and the entity fetched by the plan's query,
 * in the order the client selected them. A null entity in a non-null field nulls the payload,
 * as execution would.
 */
export function assemblePayload(
  plan: PayloadPlan,
  message: Record<string, unknown>,
  entityResult:
    { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] } | undefined,
): ExecutionResult {
  // Paths are re-rooted under the subscription field; locations would point into the generated
  // query, not the client's document, so they are left out.
  const errors = (entityResult?.errors ?? []).map(
    (error) =>
      new GraphQLError(error.message, {
        ...(error.path ? { path: [plan.rootKey, ...error.path] } : {}),
        ...(error.extensions ? { extensions: error.extensions } : {}),
      }),
  );
  const payload: Record<string, unknown> = {};
  let nulled = false;
  for (const entry of plan.entries) {
    if (entry.kind === 'typename') payload[entry.key] = plan.payloadType.name;
    else if (entry.kind === 'fromMessage') {
      const value = serializeLeaf(entry.type, message[entry.field]);
      if (value instanceof Error) {
        errors.push(
          new GraphQLError(
            `Cannot return the live value of ${plan.payloadType.name}.${entry.field}: ${value.message}`,
            { path: [plan.rootKey, entry.key] },
          ),
        );
      }
      const result = value instanceof Error ? null : value;
      if (result === null && isNonNullType(entry.type)) nulled = true;
      payload[entry.key] = result;
    } else {
      const value = entityResult?.data?.[entry.key] ?? null;
      if (value === null && entry.nonNull) nulled = true;
      payload[entry.key] = value;
    }
  }
  const rootValue = nulled ? null : payload;
  const result: ExecutionResult = {
    data: rootValue === null && plan.rootNonNull ? null : { [plan.rootKey]: rootValue },
  };
  return errors.length > 0 ? { ...result, errors } : result;
}

/** A message value as execution would serialize it (enums checked, scalars coerced), or the error. */
function serializeLeaf(type: GraphQLOutputType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  const named = getNamedType(type);
  if (!isLeafType(named) || isListType(getNullableType(type))) return value;
  try {
    return named.serialize(value);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function included(selection: SelectionNode, variableValues: Record<string, unknown>): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, selection, variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, selection, variableValues);
  return include?.if !== false;
}

function namedTypeName(type: { toString(): string }): string {
  return type.toString().replace(/[[\]!]/g, '');
}

function fragmentsUsedBy(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [selectionSet];
  while (pending.length > 0) {
    const next = pending.pop() as SelectionSetNode;
    visit(next, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          pending.push(fragment.selectionSet);
        }
      },
    });
  }
  return [...used.values()];
}

function variablesUsedBy(selectionSets: SelectionSetNode[]): Set<string> {
  const names = new Set<string>();
  for (const selectionSet of selectionSets) {
    visit(selectionSet, {
      Variable(node) {
        names.add(node.name.value);
      },
    });
  }
  return names;
}
