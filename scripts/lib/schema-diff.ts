import { existsSync, readFileSync } from 'node:fs';
import { type GraphQLSchema, findBreakingChanges as graphqlBreakingChanges } from 'graphql';

export interface SchemaChange {
  /** Schema coordinate the change is about, e.g. `Query.products` or `ProductSort`. */
  coordinate: string;
  description: string;
}

/** Changes from `before` to `after` that can break an existing client (removals, type changes). */
export function findBreakingChanges(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  return (
    graphqlBreakingChanges(before, after)
      // A built-in scalar that nothing references any more is not something a client can miss.
      .filter((change) => !change.description.startsWith('Standard scalar '))
      .map((change) => ({ coordinate: coordinateOf(change.description), description: change.description }))
  );
}

/** graphql-js words its changes in prose; these patterns turn each wording into a schema coordinate. */
const COORDINATE_PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^(\w+) was removed from enum type (\w+)/, (m) => `${m[2]}.${m[1]}`],
  [/^(\w+) was removed from union type (\w+)/, (m) => `${m[2]}`],
  [/^(\w+)\.(\w+) arg (\w+) /, (m) => `${m[1]}.${m[2]}(${m[3]}:)`],
  [/^A required arg (\w+) on (\w+)\.(\w+) /, (m) => `${m[2]}.${m[3]}(${m[1]}:)`],
  [/^A required field (\w+) on input type (\w+) /, (m) => `${m[2]}.${m[1]}`],
];

function coordinateOf(description: string): string {
  for (const [pattern, coordinate] of COORDINATE_PATTERNS) {
    const match = description.match(pattern);
    if (match) return coordinate(match);
  }
  const dotted = description.match(/\b([_A-Za-z]\w*\.[_A-Za-z]\w*)\b/);
  if (dotted?.[1]) return dotted[1];
  const typeName = description.match(/^(?:Type |Standard scalar )?([_A-Za-z]\w*)/);
  return typeName?.[1] ?? description;
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
