/** MongoDB commands issued while serving one request. */
export interface CommandCounts {
  total: number;
  byCommand: Record<string, number>;
  byDatabase: Record<string, number>;
}

// Enough to cover any test or debugging session while keeping memory flat under load.
const MAX_TRACKED_REQUESTS = 10_000;

/**
 * Counts MongoDB commands per request id, fed by the command monitoring of `connectMongo`. This
 * is how tests prove batching: a page of N items must cost a constant number of commands.
 */
export class CommandStats {
  private readonly byRequest = new Map<
    string,
    { total: number; commands: Map<string, Map<string, number>> }
  >();

  record(requestId: string, database: string, commandName: string): void {
    let entry = this.byRequest.get(requestId);
    if (!entry) {
      entry = { total: 0, commands: new Map() };
      this.byRequest.set(requestId, entry);
      if (this.byRequest.size > MAX_TRACKED_REQUESTS) {
        const oldest = this.byRequest.keys().next().value;
        if (oldest !== undefined) this.byRequest.delete(oldest);
      }
    }
    entry.total += 1;
    let perCommand = entry.commands.get(database);
    if (!perCommand) entry.commands.set(database, (perCommand = new Map()));
    perCommand.set(commandName, (perCommand.get(commandName) ?? 0) + 1);
  }

  /** Counts for a request, optionally only those against one database (one subgraph's). */
  forRequest(requestId: string, filter: { database?: string } = {}): CommandCounts {
    const counts: CommandCounts = { total: 0, byCommand: {}, byDatabase: {} };
    const entry = this.byRequest.get(requestId);
    if (!entry) return counts;
    for (const [database, perCommand] of entry.commands) {
      if (filter.database !== undefined && database !== filter.database) continue;
      for (const [command, n] of perCommand) {
        counts.total += n;
        counts.byCommand[command] = (counts.byCommand[command] ?? 0) + n;
        counts.byDatabase[database] = (counts.byDatabase[database] ?? 0) + n;
      }
    }
    return counts;
  }

  reset(): void {
    this.byRequest.clear();
  }
}

/** The process-wide counter every connection made by `connectMongo` reports to. */
export const commandStats = new CommandStats();
