import { benchCheckoutSideBySide } from './checkout';
import { benchEvents } from './events';
import { benchGateway } from './gateway';
import { benchMongo } from './mongo';
import { benchPaymentLatency } from './payment-latency';
import { benchSubscriptions } from './subscriptions';
import { benchUsersAuth } from '../../subgraphs/users/bench/auth.bench';

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
    description:
      'catalog page (20 products with inventory) through the gateway, beside a monolith, @graphql-hive/gateway and a baseline ref',
    run: (log) => benchGateway({ log }),
  },
  {
    name: 'mongo',
    description:
      'embedded server: catalog page find and countDocuments server time by catalog size; find by _id vs ping via the driver',
    run: (log) => benchMongo(log),
  },
  {
    name: 'checkout',
    description: 'orders/s from checkout to PAID, customers paying concurrently through the gateway',
    run: (log) => benchCheckoutSideBySide(log),
  },
  {
    name: 'events',
    description:
      'outbox write → handler start p50/p99 at idle and 200 events/s, and MongoDB commands per event',
    run: (log) => benchEvents({ log }),
  },
  {
    name: 'subscriptions',
    description:
      '1,000 subscribers on one order: subscription starts, heap per subscriber, PAID delivered p50/p99 beside one subscriber',
    run: (log) => benchSubscriptions({ log }),
  },
  {
    name: 'payment-latency',
    description:
      'p50/p99 from a signed Stripe webhook to the subscriber’s paymentStatusChanged event, over Redis',
    run: (log) => benchPaymentLatency({ log }),
  },
  {
    name: 'users-auth',
    description: 'logins/s and latency of the deliberately slow password check (scrypt)',
    run: (log) => benchUsersAuth({ log }),
  },
];
