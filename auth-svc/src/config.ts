import path from 'node:path';
import { loadConfig, logLevel, otelSettings, mysqlUrl, port, positiveInt, redisUrl, z } from '@pastemesh/kit/config';
import { ACCESS_TOKEN } from '@pastemesh/kit/auth';

/** OWASP's argon2id floor (m = 19 MiB, t = 2, p = 1); configuration may go above it, never below. */
export const ARGON2_FLOOR = Object.freeze({ memoryKib: 19_456, iterations: 2, parallelism: 1 });

const emailList = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((e) => e.trim().normalize('NFC').toLowerCase())
      .filter((e) => e.length > 0),
  );

// A PKCS8 PEM (literal "\n" allowed, as env files often carry them) or a private JWK as JSON.
const privateKeyText = z
  .string()
  .transform((v) => v.replace(/\\n/g, '\n').trim())
  .refine(
    (v) => v.startsWith('-----BEGIN PRIVATE KEY-----') || v.startsWith('{'),
    'must be a PKCS8 PEM (BEGIN PRIVATE KEY) or a JWK as JSON',
  )
  .optional();

// JSON (a JWKS, an array of JWKs, or one JWK) or one or more SPKI PEM blocks.
const publicKeysText = z
  .string()
  .transform((v) => v.replace(/\\n/g, '\n').trim())
  .refine(
    (v) => v.startsWith('{') || v.startsWith('[') || v.startsWith('-----BEGIN PUBLIC KEY-----'),
    'must be JSON (JWKS or JWK array) or SPKI PEM blocks',
  )
  .optional();

const schema = z.object({
  HOST: z.string().default('0.0.0.0'),
  GRPC_PORT: port(5001),
  CONNECT_PORT: port(5101),
  ADMIN_PORT: port(9001),
  MYSQL_URL: mysqlUrl,
  REDIS_URL: redisUrl,
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: logLevel,
  ...otelSettings,
  JWT_ISSUER: z.string().min(1).default(ACCESS_TOKEN.defaultIssuer),
  JWT_AUDIENCE: z.string().min(1).default(ACCESS_TOKEN.defaultAudience),
  JWT_PRIVATE_KEY: privateKeyText,
  JWT_PREVIOUS_PUBLIC_KEYS: publicKeysText,
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600),
  /**
   * Life of the access token VerifyToken mints for an API key. It cannot be recalled, so it bounds
   * how long a revoked key keeps working through tokens already forwarded: kept short, at most 15 min.
   */
  API_KEY_ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .max(900, 'must be at most 900 (a minted token cannot be revoked)')
    .default(5 * 60),
  ARGON2_MEMORY_KIB: z.coerce
    .number()
    .int()
    .min(ARGON2_FLOOR.memoryKib, `must be at least ${ARGON2_FLOOR.memoryKib} (OWASP floor)`)
    .default(ARGON2_FLOOR.memoryKib),
  ARGON2_ITERATIONS: z.coerce
    .number()
    .int()
    .min(ARGON2_FLOOR.iterations, `must be at least ${ARGON2_FLOOR.iterations} (OWASP floor)`)
    .default(ARGON2_FLOOR.iterations),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(ARGON2_FLOOR.parallelism),
  /** Accounts made admin at start-up if they already exist (never at registration: emails are unverified). */
  ADMIN_EMAILS: emailList,
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: positiveInt(10),
  LOGIN_BLOCK_SECONDS: positiveInt(3600),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt(100),
  LOGIN_IP_BLOCK_SECONDS: positiveInt(24 * 3600),
  /** Failures older than this are forgotten (both counters). */
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(24 * 3600),
  REGISTER_MAX_PER_IP: positiveInt(20),
  REGISTER_WINDOW_SECONDS: positiveInt(3600),
});

/** auth-svc's validated, frozen configuration. */
export type AuthConfig = Readonly<z.infer<typeof schema>> & { readonly SQLITE_FILE: string };

/** Reads auth-svc's configuration from `env`, reporting every bad variable at once. */
export function loadAuthConfig(env: Record<string, string | undefined>): AuthConfig {
  const parsed = loadConfig(schema, env);
  return Object.freeze({ ...parsed, SQLITE_FILE: path.join(parsed.DATA_DIR, 'auth-svc.db') });
}
