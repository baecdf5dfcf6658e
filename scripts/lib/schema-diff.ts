import { existsSync, readFileSync } from 'node:fs';
import { ChangeType, CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

export interface SchemaChange {
  /** Schema coordinate the change is about, e.g. `Query.products`, `Query.products(first:)` or `ProductSort`. */
  coordinate: string;
  description: string;
  /** @graphql-inspector's change type, e.g. `FIELD_REMOVED`. */
  type: string;
}

// Inspector paths name an argument `Type.field.arg`; the changelog uses GraphQL's schema-coordinate
// spelling `Type.field(arg:)`, which cannot be mistaken for a field of a nested type.
const ARGUMENT_CHANGES = new Set<string>([
  ChangeType.FieldArgumentAdded,
  ChangeType.FieldArgumentRemoved,
  ChangeType.FieldArgumentTypeChanged,
  ChangeType.FieldArgumentDefaultChanged,
  ChangeType.FieldArgumentDescriptionChanged,
]);

function coordinateOf(change: Change): string {
  const path = change.path ?? '';
  const parts = path.split('.');
  if (ARGUMENT_CHANGES.has(change.type) && parts.length === 3) return `${parts[0]}.${parts[1]}(${parts[2]}:)`;
  return path || change.message;
}

function toSchemaChange(change: Change): SchemaChange {
  return { coordinate: coordinateOf(change), description: change.message, type: change.type };
}

/** Every difference from `before` to `after`, as @graphql-inspector/core reports it. */
export async function schemaChanges(before: GraphQLSchema, after: GraphQLSchema): Promise<SchemaChange[]> {
  return (await diff(before, after)).map(toSchemaChange);
}

/** Changes from `before` to `after` that can break an existing client (removals, type changes). */
export async function findBreakingChanges(
  before: GraphQLSchema,
  after: GraphQLSchema,
): Promise<SchemaChange[]> {
  return (await diff(before, after))
    .filter((change) => change.criticality.level === CriticalityLevel.Breaking)
    .map(toSchemaChange);
}

/** The changelog's text; a breaking change is recorded when its coordinate appears in it. */
export function readChangelog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export function unrecordedChanges(changes: SchemaChange[], changelog: string): SchemaChange[] {
  return changes.filter((change) => {
    const escaped = change.coordinate.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return !new RegExp(`(^|[^\\w.])${escaped}($|[^\\w.])`, 'm').test(changelog);
  });
}
