import { runSubgraph } from '@novamart/kit';
import { cartSubgraph } from './index';

await runSubgraph(cartSubgraph);
