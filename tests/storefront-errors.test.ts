import { CombinedGraphQLErrors } from '@apollo/client';
import { describe, expect, it } from 'vitest';
import { describeError, describeGraphQLError } from '../storefront/src/errors';

// How the storefront words each API error for a person (storefront/src/errors.ts).
describe('storefront error messages', () => {
  it('OUT_OF_STOCK names the product and what is left, and says what to do', () => {
    const problem = describeGraphQLError({
      message: 'Only 2 of Stoneware Mug available',
      extensions: { code: 'OUT_OF_STOCK', productId: 'p1', available: 2 },
    });
    expect(problem).toMatchObject({ code: 'OUT_OF_STOCK' });
    expect(problem.message).toBe('Only 2 of Stoneware Mug available. Lower the quantity and try again.');
  });

  it('RATE_LIMITED says when to try again', () => {
    expect(
      describeGraphQLError({ message: 'x', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 30 } })
        .message,
    ).toMatch(/^Too many attempts\. Please try again in 30 seconds \(after .+\)\.$/);
    expect(
      describeGraphQLError({ message: 'x', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 600 } })
        .message,
    ).toMatch(/^Too many attempts\. Please try again in 10 minutes \(after /);
  });

  it('keeps the field of BAD_USER_INPUT, and hides internals behind the error id', () => {
    expect(
      describeGraphQLError({
        message: 'Postal code is required',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.shippingAddress.postalCode' },
      }),
    ).toEqual({
      message: 'Postal code is required',
      code: 'BAD_USER_INPUT',
      field: 'input.shippingAddress.postalCode',
    });
    expect(
      describeGraphQLError({
        message: 'Internal server error',
        extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: 'e-42' },
      }).message,
    ).toBe('Something went wrong on our side (reference e-42). Please try again later.');
  });

  it('wrong credentials stand alone; an expired session asks to sign in again', () => {
    expect(
      describeGraphQLError({ message: 'Invalid email or password', extensions: { code: 'UNAUTHENTICATED' } })
        .message,
    ).toBe('Invalid email or password.');
    expect(
      describeGraphQLError({
        message: 'Refresh token is invalid or expired',
        extensions: { code: 'UNAUTHENTICATED' },
      }).message,
    ).toBe('Refresh token is invalid or expired. Please sign in again.');
  });

  it('reads every GraphQL error of a failed operation, and words a network failure', () => {
    const combined = new CombinedGraphQLErrors({
      errors: [
        { message: 'Only 1 of Lamp available', extensions: { code: 'OUT_OF_STOCK', available: 1 } },
        { message: 'Order not found', extensions: { code: 'NOT_FOUND' } },
      ],
    });
    expect(describeError(combined).map((p) => p.code)).toEqual(['OUT_OF_STOCK', 'NOT_FOUND']);
    expect(describeError(new TypeError('Failed to fetch'))[0]!.message).toBe(
      'The shop could not be reached. Check your connection and try again.',
    );
    expect(describeError(null)).toEqual([]);
  });
});
