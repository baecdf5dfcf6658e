import { runSubgraph } from '@novamart/kit';
import { reviewsSubgraph } from './index';

await runSubgraph(reviewsSubgraph);
