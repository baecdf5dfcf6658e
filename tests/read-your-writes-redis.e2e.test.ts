// Read your own writes across subgraphs on Redis Streams (what replicas share); the suite itself,
// and what it holds a request to, is in support/read-your-writes.ts.
import { readYourWritesSuite } from './support/read-your-writes';

readYourWritesSuite({ transport: 'Redis Streams', redis: true });
