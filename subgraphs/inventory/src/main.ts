import { runSubgraph } from '@novamart/kit';
import { inventorySubgraph } from './index';

await runSubgraph(inventorySubgraph);
