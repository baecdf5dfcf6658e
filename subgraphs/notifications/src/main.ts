import { runSubgraph } from '@novamart/kit';
import { notificationsSubgraph } from './index';

await runSubgraph(notificationsSubgraph);
