import { describe, expect, it } from 'vitest';
import { clientAddressOf, parseTrustProxy } from '../src/client-address';

const request = (headers: Record<string, string | string[]>, remoteAddress = '::ffff:127.0.0.1') =>
  ({ headers, socket: { remoteAddress } }) as unknown as Parameters<typeof clientAddressOf>[0];

const privateNetworks = parseTrustProxy('loopback, linklocal, uniquelocal');

describe('clientAddressOf', () => {
  it('takes the address a trusted proxy (the gateway) observed: the right-most x-forwarded-for entry', () => {
    expect(clientAddressOf(request({ 'x-forwarded-for': '1.2.3.4' }), privateNetworks)).toBe('1.2.3.4');
    // A client cannot pick its own bucket by sending the header itself: the walk stops at the
    // first untrusted hop, the one the gateway saw.
    expect(clientAddressOf(request({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }), privateNetworks)).toBe(
      '203.0.113.7',
    );
  });

  it('ignores x-forwarded-for from a peer that is not a trusted proxy', () => {
    expect(clientAddressOf(request({ 'x-forwarded-for': '1.2.3.4' }, '203.0.113.9'), privateNetworks)).toBe(
      '203.0.113.9',
    );
    expect(clientAddressOf(request({ 'x-forwarded-for': '1.2.3.4' }), parseTrustProxy('false'))).toBe(
      '127.0.0.1',
    );
  });

  it('walks past several trusted hops, and counts hops when TRUST_PROXY is a number', () => {
    expect(clientAddressOf(request({ 'x-forwarded-for': '198.51.100.1, 10.0.0.5' }), privateNetworks)).toBe(
      '198.51.100.1',
    );
    expect(
      clientAddressOf(
        request({ 'x-forwarded-for': '6.6.6.6, 198.51.100.1' }, '203.0.113.1'),
        parseTrustProxy('1'),
      ),
    ).toBe('198.51.100.1');
  });

  it('falls back to the socket, folding IPv4-mapped IPv6 addresses', () => {
    expect(clientAddressOf(request({}), privateNetworks)).toBe('127.0.0.1');
    expect(clientAddressOf(request({ 'x-forwarded-for': ' ' }, '2001:db8::1'), privateNetworks)).toBe(
      '2001:db8::1',
    );
  });
});
