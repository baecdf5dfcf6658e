import { readFileSync } from 'node:fs';
import { parse, visit, type DefinitionNode } from 'graphql';

/**
 * The value types several subgraphs share (Money, PageInfo, Address, Role, AuditEntry, ...), from
 * shared-types.graphql: their one definition. Federation wants a value type declared, identically,
 * by every subgraph that uses it; writing it once here and adding it where it is used keeps the
 * copies from drifting (payments' Money had lost its `formatted` description before).
 */
interface SharedType {
  /** The definition as written in shared-types.graphql, description included. */
  text: string;
  /** The named types its fields and arguments refer to. */
  refersTo: Set<string>;
}

const sharedTypesFile = new URL('./shared-types.graphql', import.meta.url);
let sharedTypes: Map<string, SharedType> | undefined;

function readSharedTypes(): Map<string, SharedType> {
  if (sharedTypes) return sharedTypes;
  const source = readFileSync(sharedTypesFile, 'utf8');
  sharedTypes = new Map();
  for (const definition of parse(source).definitions) {
    const name = definedName(definition);
    if (name === null || !definition.loc) continue;
    sharedTypes.set(name, {
      text: source.slice(definition.loc.start, definition.loc.end),
      refersTo: namedTypesIn(definition),
    });
  }
  return sharedTypes;
}

function definedName(definition: DefinitionNode): string | null {
  return 'name' in definition && definition.name && !definition.kind.endsWith('Extension')
    ? definition.name.value
    : null;
}

function namedTypesIn(node: DefinitionNode | ReturnType<typeof parse>): Set<string> {
  const names = new Set<string>();
  visit(node, {
    NamedType(named) {
      names.add(named.name.value);
    },
  });
  return names;
}

/**
 * A subgraph's SDL with the shared types it uses: the text of `sdl` followed by the definition of
 * every shared type it refers to and does not define itself, and of the shared types those refer
 * to, in shared-types.graphql's order. A subgraph may not define a shared type itself: a second
 * definition is how copies drift, so that throws, naming the type.
 */
export function withSharedTypes(sdl: string): string {
  const shared = readSharedTypes();
  const document = parse(sdl);
  const redefined = document.definitions.map(definedName).filter((n) => n !== null && shared.has(n));
  if (redefined.length > 0) {
    throw new Error(
      `the schema defines ${redefined.join(', ')}, shared by every subgraph in @novamart/kit ` +
        'shared-types.graphql: use that definition (change it there for all)',
    );
  }
  const used = new Set<string>();
  const pending = [...namedTypesIn(document)];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const type = shared.get(name);
    if (!type || used.has(name)) continue;
    used.add(name);
    pending.push(...type.refersTo);
  }
  if (used.size === 0) return sdl;
  const added = [...shared].filter(([name]) => used.has(name)).map(([, type]) => type.text);
  return `${sdl.trimEnd()}\n\n# Shared value types (@novamart/kit shared-types.graphql)\n\n${added.join('\n\n')}\n`;
}

/** The SDL a subgraph serves: its schema file with the shared types it uses (withSharedTypes). */
export function subgraphSdl(schemaFile: URL | string): string {
  try {
    return withSharedTypes(readFileSync(schemaFile, 'utf8'));
  } catch (error) {
    throw new Error(`${String(schemaFile)}: ${(error as Error).message}`, { cause: error });
  }
}
