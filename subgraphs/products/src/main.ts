import { runSubgraph } from '@novamart/kit';
import { productsSubgraph } from './index';

await runSubgraph(productsSubgraph);
