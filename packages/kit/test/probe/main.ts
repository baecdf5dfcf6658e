// Standalone main of the probe subgraph, spawned by the drain test.
import { runSubgraph } from '../../src/index';
import { probeSubgraph } from './probe-module';

await runSubgraph(probeSubgraph);
