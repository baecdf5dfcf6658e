import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import type { GraphQLFormattedError } from 'graphql';

export interface Problem {
  /** What a person reads. */
  message: string;
  code: string | undefined;
  /** The input the problem is about (BAD_USER_INPUT's extensions.field), for the form to mark it. */
  field: string | undefined;
}

function timeIn(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** One API error as a customer or an operator wants to read it. */
export function describeGraphQLError(error: GraphQLFormattedError): Problem {
  const extensions = (error.extensions ?? {}) as Record<string, unknown>;
  const code = typeof extensions.code === 'string' ? extensions.code : undefined;
  const field = typeof extensions.field === 'string' ? extensions.field : undefined;
  switch (code) {
    case 'OUT_OF_STOCK': {
      // The server's message names the product and what is left ("Only 2 of Trail Shoe available").
      const available = typeof extensions.available === 'number' ? extensions.available : undefined;
      const message =
        available === 0 && !/available|stock/i.test(error.message)
          ? `${error.message}: none left in stock.`
          : error.message;
      return {
        message: `${message}${/[.!]$/.test(message) ? '' : '.'} Lower the quantity and try again.`,
        code,
        field,
      };
    }
    case 'RATE_LIMITED': {
      const seconds = Number(extensions.retryAfterSeconds);
      const when = Number.isFinite(seconds)
        ? `Please try again in ${timeIn(seconds)} (after ${new Date(Date.now() + seconds * 1000).toLocaleTimeString()}).`
        : 'Please wait a little and try again.';
      return { message: `Too many attempts. ${when}`, code, field };
    }
    case 'UNAUTHENTICATED':
      // "Invalid email or password" stands alone; an expired session asks to sign in again.
      return {
        message: /token|session|sign in|authentic/i.test(error.message)
          ? `${error.message}. Please sign in again.`
          : `${error.message}.`,
        code,
        field,
      };
    case 'FORBIDDEN':
      return { message: `Not allowed: ${error.message}`, code, field };
    case 'INTERNAL_SERVER_ERROR': {
      const ref = typeof extensions.errorId === 'string' ? ` (reference ${extensions.errorId})` : '';
      return { message: `Something went wrong on our side${ref}. Please try again later.`, code, field };
    }
    default:
      return { message: error.message, code, field };
  }
}

/**
 * The message of the problem with the input field `name`: the API names it by its path
 * (`input.shippingAddress.city`), so a path that is the name or ends with `.name`.
 */
export function problemWith(problems: readonly Problem[], name: string): string | undefined {
  return problems.find((p) => p.field && (p.field === name || p.field.endsWith(`.${name}`)))?.message;
}

/** Every problem an operation failed with (GraphQL errors, or the network). */
export function describeError(error: unknown): Problem[] {
  if (!error) return [];
  if (CombinedGraphQLErrors.is(error)) return error.errors.map(describeGraphQLError);
  if (ServerError.is(error)) {
    const body = (() => {
      try {
        return JSON.parse(error.bodyText) as { errors?: GraphQLFormattedError[] };
      } catch {
        return {};
      }
    })();
    if (body.errors?.length) return body.errors.map(describeGraphQLError);
    return [
      {
        message: `The shop answered with an error (HTTP ${error.statusCode}). Please try again.`,
        code: undefined,
        field: undefined,
      },
    ];
  }
  return [
    {
      message: 'The shop could not be reached. Check your connection and try again.',
      code: undefined,
      field: undefined,
    },
  ];
}

export function hasCode(error: unknown, code: string): boolean {
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === code);
}
