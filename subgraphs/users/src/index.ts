import { createSubgraphClient, sessionRevocationsFor, defineSubgraph } from '@novamart/kit';
import { captureClientAddress, currentClientAddress } from './client-address';
import { usersConfigShape } from './config';
import { PASSWORD_RESETS_COLLECTION } from './models/password-reset';
import { USERS_COLLECTION } from './models/user';
import { resolvers } from './resolvers';
import { adminCredentialsFromConfig, ensureAdmin } from './services/admin-bootstrap';
import { createUsersServices } from './services';
import { loadSigningKey } from './services/signing-keys';

export const JWKS_PATH = '/.well-known/jwks.json';

/**
 * Accounts, credentials and sessions: registration with email verification, login with throttling,
 * EdDSA access tokens (public keys at /.well-known/jwks.json), rotating refresh tokens, roles.
 */
export const usersSubgraph = defineSubgraph({
  name: 'users',
  port: 4001,
  configShape: usersConfigShape,
  schema: new URL('./schema.graphql', import.meta.url),
  resolvers,
  async create(runtime) {
    const { config, logger, mongo } = runtime;
    const admin = adminCredentialsFromConfig(config);
    const signingKey = await loadSigningKey({ privateKey: config.JWT_PRIVATE_KEY, dataDir: config.DATA_DIR });
    const services = await createUsersServices({
      conn: mongo,
      logger,
      signingKey,
      throttleRedis: runtime.redis
        ? { client: runtime.redis, keyPrefix: config.LOGIN_THROTTLE_KEY_PREFIX }
        : null,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlMs: config.REFRESH_TOKEN_TTL_DAYS * 24 * 60 * 60 * 1000,
      throttle: {
        perAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
        windowMs: config.LOGIN_FAILURE_WINDOW_SECONDS * 1000,
        baseDelayMs: config.LOGIN_BACKOFF_BASE_SECONDS * 1000,
      },
      requireEmailVerification: config.REQUIRE_EMAIL_VERIFICATION,
      catalog: config.PRODUCTS_URL ? createSubgraphClient('products', config.PRODUCTS_URL) : null,
      // The list every subgraph checks tokens against (kit's startSubgraph uses the same one).
      revocations: sessionRevocationsFor(runtime.redis, config.REDIS_KEY_PREFIX),
    });

    return {
      context: () => ({ services, clientAddress: currentClientAddress() }),
      routes(app) {
        app.get(JWKS_PATH, (_req, res) => {
          res.set('cache-control', 'public, max-age=300').json(services.accessTokens.jwks());
        });
        captureClientAddress(app, config.TRUST_PROXY);
      },
      publishes: [
        'user.registered',
        'user.email_verified',
        'user.role_changed',
        'user.verification_requested',
        'user.password_reset_requested',
        'user.password_changed',
        'user.phone_changed',
        'user.wishlist_item_added',
        'user.wishlist_item_removed',
      ],
      // Every users event but user.password_changed is carried by the account or the reset it is about.
      documentEvents: [USERS_COLLECTION, PASSWORD_RESETS_COLLECTION],
      async start() {
        if (admin)
          await ensureAdmin(
            { conn: mongo, users: services.users, passwords: services.passwords, logger },
            admin,
          );
      },
    };
  },
});

export { usersConfigShape, type UsersConfig } from './config';
// For tools and tests that mint tokens the way this subgraph does (e.g. an expired one).
export { AccessTokenIssuer } from './services/access-tokens';
export { loadSigningKey, type SigningKey } from './services/signing-keys';
