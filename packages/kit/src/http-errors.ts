import { randomUUID } from 'node:crypto';
import { type ErrorRequestHandler } from 'express';
import { MASKED_ERROR_MESSAGE } from './error-formatter';
import { ErrorCode } from './errors';
import { type Logger } from './logger';

export interface HttpErrorHandlerOptions {
  /** The body limit in force: a body over it is answered with BAD_USER_INPUT naming the limit. */
  bodyLimit?: string;
}

/**
 * The one JSON answer for failures outside GraphQL execution (body-parser refusals, route
 * handlers), shared by the subgraphs and the gateway, never an HTML page: a client's mistake keeps
 * its 4xx status with BAD_REQUEST (or BAD_USER_INPUT naming the body limit); anything else is a
 * 500 with the masked message and a fresh `errorId`, logged with the error, so a report can be
 * matched to the log line as GraphQL errors are (see the error formatter).
 */
export function httpErrorHandler(logger: Logger, options: HttpErrorHandlerOptions = {}): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, type, message } = error as { status?: unknown; type?: string; message?: string };
    if (status === 413 && options.bodyLimit) {
      res.status(413).json({
        errors: [
          {
            message: `Request body is larger than the limit of ${options.bodyLimit} (BODY_LIMIT)`,
            extensions: { code: ErrorCode.BAD_USER_INPUT, limit: 'BODY_LIMIT' },
          },
        ],
      });
      return;
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const text = type === 'entity.parse.failed' ? 'Malformed JSON body' : (message ?? 'Bad request');
      res.status(status).json({ errors: [{ message: text, extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    const errorId = randomUUID();
    logger.error({ errorId, err: error }, `Unexpected HTTP error ${errorId}`);
    res.status(500).json({
      errors: [
        { message: MASKED_ERROR_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, errorId } },
      ],
    });
  };
}
