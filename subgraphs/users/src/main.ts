import { runSubgraph } from '@novamart/kit';
import { usersSubgraph } from './index';

await runSubgraph(usersSubgraph);
