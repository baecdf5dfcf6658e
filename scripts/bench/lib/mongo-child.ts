/**
 * The embedded server's benchmarks in a process of their own (scripts/bench/mongo.ts): the server
 * runs on a thread of its own under `npm start`, with its own heap, so its commands are timed away
 * from the heap the earlier benchmarks of `npm run bench` left in the parent. Prints
 * `READY <figures as JSON>` when done.
 */
import { benchCatalogCommands, benchDriverFloor } from '../../../packages/mongo-server/bench/catalog.bench';

const sizes = (process.env.BENCH_MONGO_SIZES ?? '1000,10000,100000').split(',').map(Number);
const catalog = await benchCatalogCommands(sizes);
const floor = await benchDriverFloor(Number(process.env.BENCH_SECONDS ?? 4));
process.stdout.write(`READY ${JSON.stringify({ catalog, floor })}\n`);
process.exit(0);
