/**
 * `npm run codegen`: writes storefront/src/graphql-types.ts, the result and variables types of every
 * fragment and operation in storefront/src/graphql.ts against schema/api.graphql. Run it after
 * changing a document or composing the API; `check:schema` fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { generateStorefrontTypes, storefrontTypesPath } from './lib/storefront-types';
import { repoRoot } from './lib/supergraph-config';

writeFileSync(storefrontTypesPath, await generateStorefrontTypes());
console.log(`codegen: wrote ${relative(repoRoot, storefrontTypesPath)}`);
