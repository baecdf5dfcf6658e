/**
 * Where each process listens, in one place for `npm start`, `npm run dev` and a subgraph run on
 * its own: `<NAME>_PORT` (e.g. `INVENTORY_PORT`) for one subgraph, else `SUBGRAPH_PORT_BASE` plus
 * the subgraph's offset from 4000 (users +1 … recommendations +8, reviews +11), else its default (4001-4011).
 */
export const DEFAULT_PORT_BASE = 4000;

/** `inventory` → `INVENTORY_PORT`. */
export function portVariableOf(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

export interface SubgraphPort {
  port: number;
  /** The variable that chose the port (or would move it): what a "port in use" message names. */
  variable: string;
}

function parsePort(variable: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${variable}: must be a port number (0-65535), got "${value}"`);
  return port;
}

export function subgraphPort(
  subgraph: { name: string; port: number },
  env: Record<string, string | undefined> = process.env,
): SubgraphPort {
  const own = portVariableOf(subgraph.name);
  const value = env[own];
  if (value) return { port: parsePort(own, value), variable: own };
  const base = env.SUBGRAPH_PORT_BASE;
  if (base) {
    const port = parsePort('SUBGRAPH_PORT_BASE', base) + (subgraph.port - DEFAULT_PORT_BASE);
    return { port: parsePort('SUBGRAPH_PORT_BASE', String(port)), variable: `${own} or SUBGRAPH_PORT_BASE` };
  }
  return { port: subgraph.port, variable: `${own} or SUBGRAPH_PORT_BASE` };
}

/** The message for a listen that failed because the port is taken; null for any other error. */
export function portInUseMessage(
  error: unknown,
  who: string,
  port: number,
  host: string,
  variable: string,
): string | null {
  if ((error as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE') return null;
  return `${who}: port ${port} on ${host} is already in use; set ${variable} to another port`;
}
