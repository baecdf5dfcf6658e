import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, Kind, validate, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as documents from '../storefront/src/graphql';

/**
 * Every operation the storefront sends (storefront/src/graphql.ts) is valid against the public API
 * as the gateway serves it (schema/api.graphql, which `check:schema` keeps equal to the composed
 * supergraph's). The browser journeys only reach the paths they walk; this reaches every query,
 * mutation and subscription, so a field renamed, dropped, made @inaccessible or given a new
 * required argument fails here before a shopper meets it.
 */
const apiSchema = buildSchema(
  readFileSync(resolve(import.meta.dirname, '..', 'schema', 'api.graphql'), 'utf8'),
);

const operations = Object.entries(documents).filter(
  (entry): entry is [string, DocumentNode] =>
    (entry[1] as DocumentNode | undefined)?.kind === Kind.DOCUMENT &&
    (entry[1] as DocumentNode).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION),
);

describe('storefront operations against the public API', () => {
  it('finds the storefront operations (an empty list would pass vacuously)', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it.each(operations)('%s is valid, and named', (_name, document) => {
    expect(validate(apiSchema, document).map((error) => error.message)).toEqual([]);
    for (const definition of document.definitions)
      if (definition.kind === Kind.OPERATION_DEFINITION) expect(definition.name?.value).toBeTruthy();
  });
});
