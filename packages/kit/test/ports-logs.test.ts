import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig, portInUseMessage, portVariableOf, subgraphPort, wantsPrettyLogs } from '../src/index';

describe('subgraph ports', () => {
  const inventory = { name: 'inventory', port: 4003 };

  it('default to the module’s own port', () => {
    expect(subgraphPort(inventory, {})).toEqual({
      port: 4003,
      variable: 'INVENTORY_PORT or SUBGRAPH_PORT_BASE',
    });
  });

  it('move together with SUBGRAPH_PORT_BASE, keeping each subgraph’s offset', () => {
    expect(subgraphPort(inventory, { SUBGRAPH_PORT_BASE: '5600' }).port).toBe(5603);
    expect(subgraphPort({ name: 'users', port: 4001 }, { SUBGRAPH_PORT_BASE: '5600' }).port).toBe(5601);
  });

  it('move one at a time with <NAME>_PORT, which wins over the base', () => {
    expect(subgraphPort(inventory, { INVENTORY_PORT: '7003', SUBGRAPH_PORT_BASE: '5600' })).toEqual({
      port: 7003,
      variable: 'INVENTORY_PORT',
    });
    expect(portVariableOf('recommendations')).toBe('RECOMMENDATIONS_PORT');
  });

  it('refuse a value that is not a port, naming the variable', () => {
    expect(() => subgraphPort(inventory, { INVENTORY_PORT: 'abc' })).toThrow(/INVENTORY_PORT/);
    expect(() => subgraphPort(inventory, { SUBGRAPH_PORT_BASE: '65535' })).toThrow(/SUBGRAPH_PORT_BASE/);
  });

  it('name the subgraph and the variable when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const second = createServer();
    const error = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1');
    });
    blocker.close();
    const { variable } = subgraphPort(inventory, {});
    expect(portInUseMessage(error, 'inventory subgraph', port, '127.0.0.1', variable)).toBe(
      `inventory subgraph: port ${port} on 127.0.0.1 is already in use; set INVENTORY_PORT or SUBGRAPH_PORT_BASE to another port`,
    );
    expect(portInUseMessage(new Error('other'), 'x', 1, 'h', 'V')).toBeNull();
  });
});

describe('log format', () => {
  it('is pretty for a developer at a terminal, JSON in production, tests and pipes', () => {
    expect(wantsPrettyLogs({}, true)).toBe(true);
    expect(wantsPrettyLogs({ NODE_ENV: 'development' }, true)).toBe(true);
    expect(wantsPrettyLogs({}, false)).toBe(false);
    expect(wantsPrettyLogs({ NODE_ENV: 'production' }, true)).toBe(false);
    expect(wantsPrettyLogs({ NODE_ENV: 'test' }, true)).toBe(false);
  });

  it('follows LOG_FORMAT when set, which the configuration validates', () => {
    expect(wantsPrettyLogs({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false)).toBe(true);
    expect(wantsPrettyLogs({ LOG_FORMAT: 'json' }, true)).toBe(false);
    expect(() => loadConfig(undefined, { LOG_FORMAT: 'yaml' })).toThrow(/LOG_FORMAT/);
  });
});
