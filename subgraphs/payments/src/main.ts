import { runSubgraph } from '@novamart/kit';
import { paymentsSubgraph } from './index';

await runSubgraph(paymentsSubgraph);
