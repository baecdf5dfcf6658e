/**
 * One checkout benchmark run in a process of its own, for side-by-side runs of this tree and a
 * baseline ref (scripts/bench/checkout.ts): prints `READY <figures as JSON>` when done.
 */
import { benchCheckout } from '../checkout';

const figures = await benchCheckout();
process.stdout.write(`READY ${JSON.stringify(figures)}\n`);
process.exit(0);
