import { describe, expect, it } from 'vitest';
import {
  INTERNAL_CALL_HEADER,
  internalCallHeaders,
  isInternalCall,
  requireInternalCaller,
  useInternalApiToken,
} from '../src/internal-calls';

describe('internal calls between subgraphs', () => {
  it("accepts this process's own token when none is configured, then only the deployment's", () => {
    const processToken = internalCallHeaders()[INTERNAL_CALL_HEADER]!;
    expect(isInternalCall(processToken)).toBe(true);
    for (const header of [undefined, '', 'guess', `${processToken}x`, [processToken]])
      expect(isInternalCall(header)).toBe(false);

    useInternalApiToken('a-deployment-wide-token-of-32-chars');
    expect(internalCallHeaders()).toEqual({ [INTERNAL_CALL_HEADER]: 'a-deployment-wide-token-of-32-chars' });
    expect(isInternalCall('a-deployment-wide-token-of-32-chars')).toBe(true);
    // Another process of the deployment shows the configured token, never this one's own.
    expect(isInternalCall(processToken)).toBe(false);
  });

  it('refuses any other caller with FORBIDDEN', () => {
    expect(() => requireInternalCaller({})).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => requireInternalCaller({ internalCaller: true })).not.toThrow();
  });
});
