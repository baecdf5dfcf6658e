import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { currentRequestId } from './request-context';
import { activeTraceIds } from './telemetry';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where the JSON lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// A malformed LOG_LEVEL is reported by loadConfig; the logger that reports it must not crash on it.
function levelFromEnv(): LevelWithSilent {
  const value = process.env.LOG_LEVEL;
  return value && levels.has(value) ? (value as LevelWithSilent) : 'info';
}

/**
 * Human-readable lines for a developer at a terminal, JSON for everything else. LOG_FORMAT
 * (`pretty` or `json`) decides when set; otherwise lines are pretty only in development (NODE_ENV
 * unset or `development`) when stdout is a terminal. Production and tests always get JSON unless
 * LOG_FORMAT=pretty asks otherwise. `npm run dev` sets LOG_FORMAT for its children, whose stdout
 * is a pipe to it.
 */
export function wantsPrettyLogs(
  env: Record<string, string | undefined> = process.env,
  stdoutIsTerminal = Boolean(process.stdout.isTTY),
): boolean {
  if (env.LOG_FORMAT === 'pretty') return true;
  if (env.LOG_FORMAT === 'json') return false;
  return (env.NODE_ENV || 'development') === 'development' && stdoutIsTerminal;
}

let prettyStdout: DestinationStream | undefined;
function prettyDestination(): DestinationStream {
  // One synchronous prettifier for the process: lines come out in order, and none is lost on exit.
  return (prettyStdout ??= pretty({
    sync: true,
    colorize: process.env.NO_COLOR === undefined && Boolean(process.stdout.isTTY || process.env.FORCE_COLOR),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  }));
}

/**
 * A pino logger named after its service: JSON lines (pretty ones for a developer, see
 * wantsPrettyLogs). Every line written while a request is being
 * served carries that request's `requestId`; with tracing on, every line under a span carries its
 * `trace_id` and `span_id`.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv();
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const requestId = currentRequestId();
        const traceIds = activeTraceIds();
        return requestId ? { requestId, ...traceIds } : (traceIds ?? {});
      },
    },
    options.destination ?? (wantsPrettyLogs() ? prettyDestination() : undefined),
  );
}
