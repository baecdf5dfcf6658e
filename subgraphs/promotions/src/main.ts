import { runSubgraph } from '@novamart/kit';
import { promotionsSubgraph } from './index';

await runSubgraph(promotionsSubgraph);
