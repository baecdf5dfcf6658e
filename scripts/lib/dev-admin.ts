/**
 * The administrator of a development setup: `npm run seed` logs in with these unless
 * ADMIN_EMAIL / ADMIN_PASSWORD say otherwise, and `npm start` in development creates this
 * account when neither variable is set. Never used in production.
 */
export const DEV_ADMIN = {
  email: 'admin@novamart.dev',
  password: 'NovaMart-dev-2026',
} as const;
