import { runSubgraph } from '@novamart/kit';
import { shippingSubgraph } from './index';

await runSubgraph(shippingSubgraph);
