// Read your own writes across subgraphs on the in-process buses (what `npm start` runs); the suite
// itself, and what it holds a request to, is in support/read-your-writes.ts.
import { readYourWritesSuite } from './support/read-your-writes';

readYourWritesSuite({ transport: 'in-process buses', redis: false });
