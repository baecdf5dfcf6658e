import { runSubgraph } from '@novamart/kit';
import { recommendationsSubgraph } from './index';

await runSubgraph(recommendationsSubgraph);
