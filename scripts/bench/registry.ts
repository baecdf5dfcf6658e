import { benchGateway } from './gateway';

/** A benchmark `npm run bench` knows: its figures are printed and written to bench/results/<name>.json. */
export interface Benchmark {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<object>;
}

/** Every registered benchmark; add yours here (a module under scripts/bench/ exporting its run function). */
export const benchmarks: Benchmark[] = [
  {
    name: 'gateway',
    description: 'requests/s and latency of a 20-product page with inventory through the gateway',
    run: (log) => benchGateway({ log }),
  },
];
