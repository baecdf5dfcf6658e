import { runSubgraph } from '@novamart/kit';
import { ordersSubgraph } from './index';

await runSubgraph(ordersSubgraph);
