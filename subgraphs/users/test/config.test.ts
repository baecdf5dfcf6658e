import { ConfigError, loadConfig } from '@novamart/kit';
import { describe, expect, it } from 'vitest';
import { usersConfigShape } from '../src/config';

describe('users configuration', () => {
  it('defaults: verification optional, 15-minute access tokens, 5 per account / 20 per address in 15 minutes', () => {
    expect(loadConfig(usersConfigShape, {})).toMatchObject({
      REQUIRE_EMAIL_VERIFICATION: false,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_DAYS: 30,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 5,
      LOGIN_MAX_FAILURES_PER_ADDRESS: 20,
      LOGIN_FAILURE_WINDOW_SECONDS: 900,
      LOGIN_BACKOFF_BASE_SECONDS: 30,
      TRUST_PROXY: 'loopback, linklocal, uniquelocal',
      LOGIN_THROTTLE_KEY_PREFIX: 'novamart:users:login-failures:',
    });
  });

  it('reads booleans and numbers from strings, and names a bad variable', () => {
    expect(
      loadConfig(usersConfigShape, { REQUIRE_EMAIL_VERIFICATION: 'true' }).REQUIRE_EMAIL_VERIFICATION,
    ).toBe(true);
    expect(loadConfig(usersConfigShape, { REQUIRE_EMAIL_VERIFICATION: '0' }).REQUIRE_EMAIL_VERIFICATION).toBe(
      false,
    );
    for (const [variable, value] of [
      ['REQUIRE_EMAIL_VERIFICATION', 'maybe'],
      ['ACCESS_TOKEN_TTL_SECONDS', '-5'],
      ['LOGIN_MAX_FAILURES_PER_ACCOUNT', 'five'],
    ]) {
      const attempt = () => loadConfig(usersConfigShape, { [variable!]: value });
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(new RegExp(variable!));
    }
  });
});
