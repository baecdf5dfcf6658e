import { describe, expect, it } from 'vitest';
import {
  assertBeforeDeadline,
  createSubgraphClient,
  currentRequestId,
  deadlineFrom,
  DeadlinePassedError,
  forwardedHeaders,
  requestIdFrom,
  runWithRequestId,
  timeLeftMs,
} from '../src/index';
import { captureLogs } from './helpers';

describe('request context', () => {
  it('carries the request id across awaits and onto log lines', async () => {
    const { logger, lines } = captureLogs('ctx');
    await runWithRequestId('r-123', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.info('inside');
      expect(forwardedHeaders()).toEqual({ 'x-request-id': 'r-123' });
    });
    logger.info('outside');
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['inside', 'r-123'],
      ['outside', undefined],
    ]);
    expect(currentRequestId()).toBeUndefined();
    expect(forwardedHeaders()).toEqual({});
  });

  it('accepts a well-formed incoming id and replaces anything else', () => {
    expect(requestIdFrom('gw-1:abc.DEF_9')).toBe('gw-1:abc.DEF_9');
    expect(requestIdFrom(['first', 'second'])).toBe('first');
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), 'inject\nline']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("carries the caller's deadline: forwarded on, a peer call refused once it passed, a commit stopped", async () => {
    const soon = Date.now() + 60_000;
    await runWithRequestId(
      'r-1',
      async () => {
        expect(forwardedHeaders()).toEqual({ 'x-request-id': 'r-1', 'x-novamart-deadline': String(soon) });
        expect(timeLeftMs()).toBeGreaterThan(50_000);
        expect(() => assertBeforeDeadline('the test commit')).not.toThrow();
      },
      soon,
    );
    await runWithRequestId(
      'r-2',
      async () => {
        expect(timeLeftMs()).toBeLessThanOrEqual(0);
        expect(() => assertBeforeDeadline('the test commit')).toThrow(DeadlinePassedError);
        // No request is sent at all (this address would refuse it): the caller has stopped waiting.
        const peer = createSubgraphClient('cart', 'http://127.0.0.1:9/graphql');
        await expect(peer.request('{ __typename }')).rejects.toThrow(/No time left to ask the cart subgraph/);
      },
      Date.now() - 1,
    );
    expect(timeLeftMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('accepts a deadline header that is a plain number no further than ten minutes out', () => {
    const inAMinute = Date.now() + 60_000;
    expect(deadlineFrom(String(inAMinute))).toBe(inAMinute);
    expect(deadlineFrom([String(inAMinute), '1'])).toBe(inAMinute);
    for (const bad of [undefined, '', 'soon', '-5', '1e12', String(Date.now() + 11 * 60_000)]) {
      expect(deadlineFrom(bad)).toBeUndefined();
    }
  });
});
