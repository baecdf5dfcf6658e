import { GraphQLError } from 'graphql';

/** The contract's ErrorCode enum (schema/api-contract.graphql), as runtime values. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  PAYMENT_FAILED: 'PAYMENT_FAILED',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const contractCodes = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && contractCodes.has(value);
}

/**
 * An error the client is meant to see: its message and extensions reach the response as they
 * are. Everything else thrown in a resolver is masked by the error formatter.
 */
export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
    this.code = code;
  }
}

export function appError(code: ErrorCode, message: string, extensions?: Record<string, unknown>): AppError {
  return new AppError(code, message, extensions);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Validation failure of one input; `field` is the argument or input path, e.g. `first` or `input.email`. */
export function badUserInput(message: string, field: string, extensions?: Record<string, unknown>): AppError {
  return appError(ErrorCode.BAD_USER_INPUT, message, { ...extensions, field });
}

export function unauthenticated(message = 'Authentication required'): AppError {
  return appError(ErrorCode.UNAUTHENTICATED, message);
}

export function forbidden(message = 'Not allowed'): AppError {
  return appError(ErrorCode.FORBIDDEN, message);
}

/** `notFound('Order')` → "Order not found". */
export function notFound(what: string, extensions?: Record<string, unknown>): AppError {
  return appError(ErrorCode.NOT_FOUND, `${what} not found`, extensions);
}

export function conflict(message: string, extensions?: Record<string, unknown>): AppError {
  return appError(ErrorCode.CONFLICT, message, extensions);
}

export function outOfStock(
  message: string,
  details: { productId: string; variantId?: string; available: number },
): AppError {
  return appError(ErrorCode.OUT_OF_STOCK, message, details);
}

export function paymentFailed(message: string, extensions?: Record<string, unknown>): AppError {
  return appError(ErrorCode.PAYMENT_FAILED, message, extensions);
}

export function rateLimited(retryAfterSeconds: number): AppError {
  return appError(ErrorCode.RATE_LIMITED, `Too many requests; retry in ${retryAfterSeconds}s`, {
    retryAfterSeconds,
  });
}
