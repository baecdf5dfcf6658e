import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
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
 * A pino JSON logger named after its service. Every line written while a request is being
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
    options.destination,
  );
}
