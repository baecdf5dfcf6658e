// novamart-mongo: run the embedded server from the command line.
//   novamart-mongo [--port 27017] [--host 127.0.0.1] [--dbpath DIR | --in-memory] [--ttl-interval-ms N]
//                  [--setParameter transactionLifetimeLimitSeconds=N]
//   novamart-mongo repair --dbpath DIR     salvage damaged data files (the server refuses to start on them)
import { startEmbeddedMongo, type EmbeddedMongoOptions } from './index';
import { DataFilesDamagedError } from './storage/journal';
import { formatRepairReport, repairDataDir } from './storage/repair';

const USAGE =
  'usage: novamart-mongo [--port 27017] [--host 127.0.0.1] [--dbpath DIR | --in-memory] [--ttl-interval-ms N] [--replSet NAME] [--compact-journal-bytes N]\n' +
  '       [--setParameter transactionLifetimeLimitSeconds=N]\n' +
  '       novamart-mongo repair --dbpath DIR';

function parseArgs(argv: string[]): EmbeddedMongoOptions {
  const options: EmbeddedMongoOptions = { port: 27017 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? (arg.split(/=(.*)/s, 2) as [string, string])
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        options.port = Number(value());
        if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
          throw new Error('--port must be 0-65535');
        break;
      case '--host':
      case '--bind_ip':
        options.host = value();
        break;
      case '--dbpath':
        options.dbPath = value();
        break;
      case '--in-memory':
        options.inMemory = true;
        break;
      case '--ttl-interval-ms':
        options.ttlIntervalMs = Number(value());
        break;
      case '--replSet':
        options.replSetName = value();
        break;
      case '--compact-journal-bytes':
        options.compactJournalBytes = Number(value());
        if (!Number.isInteger(options.compactJournalBytes) || options.compactJournalBytes < 1)
          throw new Error('--compact-journal-bytes must be a positive integer');
        break;
      case '--setParameter': {
        // As mongod: a transaction left open longer (its client died holding it, and the write
        // locks it took) is aborted. Default 60.
        const [name, setting] = value().split('=', 2);
        const seconds = Number(setting);
        if (name !== 'transactionLifetimeLimitSeconds' || !Number.isInteger(seconds) || seconds < 1)
          throw new Error(
            '--setParameter supports transactionLifetimeLimitSeconds=<seconds, at least 1> only',
          );
        options.transactionLifetimeMs = seconds * 1000;
        break;
      }
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  if (!options.dbPath) options.inMemory = true;
  return options;
}

function repair(argv: string[]): void {
  let options: EmbeddedMongoOptions;
  try {
    options = parseArgs(argv);
    if (!options.dbPath) throw new Error('repair needs --dbpath DIR');
  } catch (err) {
    console.error(`novamart-mongo: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    console.log(formatRepairReport(repairDataDir(options.dbPath)));
  } catch (err) {
    // A server still running on the directory, or no directory: say so, change nothing.
    console.error(`novamart-mongo repair: ${(err as Error).message}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'repair') return repair(argv.slice(1));
  let options: EmbeddedMongoOptions;
  try {
    options = parseArgs(argv);
  } catch (err) {
    console.error(`novamart-mongo: ${(err as Error).message}`);
    process.exit(2);
  }
  const server = await startEmbeddedMongo(options);
  console.log(server.uri);
  const shutdown = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  // Damaged data files are an operator's problem with a documented fix, not a crash: no stack trace.
  if (err instanceof DataFilesDamagedError) console.error(`novamart-mongo refused to start: ${err.message}`);
  else console.error('novamart-mongo failed:', err);
  process.exit(1);
});
