import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Environment variables of the users subgraph, on top of the kit's base configuration. */
export const usersConfigShape = {
  /** When true, login is refused until the email address is verified. */
  REQUIRE_EMAIL_VERIFICATION: z.stringbool().default(false),
  /** Administrator created (or promoted) at start; both or neither. */
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  /**
   * Ed25519 private key signing the access tokens, as PKCS#8 PEM or a private JWK (JSON). Unset:
   * a key pair is generated once and kept in DATA_DIR/keys.
   */
  JWT_PRIVATE_KEY: z.string().optional(),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
  REFRESH_TOKEN_TTL_DAYS: positiveInt(30),
  /**
   * Failed logins one client address may make on one account, and over all accounts, before the
   * exponential delay starts (LOGIN_BACKOFF_BASE_SECONDS, doubling, at most the window). Never a
   * lock per account: the owner at another address is not slowed by someone else's guesses.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: positiveInt(20),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(15 * 60),
  LOGIN_BACKOFF_BASE_SECONDS: positiveInt(30),
  /**
   * Which peers' `x-forwarded-for` the users subgraph believes when it takes the client address
   * (Express "trust proxy": `true`, `false`, a hop count, or addresses/subnets such as
   * `loopback, uniquelocal`). The gateway sends the address it determined with its own TRUST_PROXY.
   */
  TRUST_PROXY: z.string().default('loopback, linklocal, uniquelocal'),
  /**
   * The products subgraph, asked whether a product exists before it joins a wishlist (a wishlist
   * item the catalog cannot resolve would break every read of the account). Unset: not checked.
   */
  PRODUCTS_URL: z.string().url().optional(),
  /** Prefix of the failure counters' keys when Redis is configured. */
  LOGIN_THROTTLE_KEY_PREFIX: z.string().min(1).default('novamart:users:login-failures:'),
};

export type UsersConfig = z.infer<z.ZodObject<typeof usersConfigShape>>;
