import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../src/client-address';

const request = (headers: Record<string, string | string[]>, remoteAddress = '::ffff:127.0.0.1') =>
  ({ headers, socket: { remoteAddress } }) as unknown as Parameters<typeof clientAddressOf>[0];

describe('clientAddressOf', () => {
  it('takes the address the gateway observed: the right-most x-forwarded-for entry', () => {
    expect(clientAddressOf(request({ 'x-forwarded-for': '1.2.3.4' }))).toBe('1.2.3.4');
    // A client cannot pick its own bucket by sending the header itself: the gateway appends.
    expect(clientAddressOf(request({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }))).toBe('203.0.113.7');
  });

  it('falls back to the socket, folding IPv4-mapped IPv6 addresses', () => {
    expect(clientAddressOf(request({}))).toBe('127.0.0.1');
    expect(clientAddressOf(request({ 'x-forwarded-for': ' ' }, '2001:db8::1'))).toBe('2001:db8::1');
  });
});
