import { describe, expect, it } from 'vitest';
import { currentRequestId, forwardedHeaders, requestIdFrom, runWithRequestId } from '../src/index';
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
});
