import { ACCESS_TOKEN } from '@pastemesh/kit/auth';
import { loadConfig, logLevel, otelSettings, mysqlUrl, peerUrl, port, positiveInt, z } from '@pastemesh/kit/config';

/** analytics-svc's environment; every variable has a default that works on one machine. */
export const analyticsConfigSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  GRPC_PORT: port(5003),
  CONNECT_PORT: port(5103),
  ADMIN_PORT: port(9003),
  /** Shared MySQL/MariaDB server; the service uses the `pastemesh_analytics` database on it. Unset: SQLite. */
  MYSQL_URL: mysqlUrl,
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: logLevel,
  ...otelSettings,
  JWT_ISSUER: z.string().min(1).default(ACCESS_TOKEN.defaultIssuer),
  JWT_AUDIENCE: z.string().min(1).default(ACCESS_TOKEN.defaultAudience),
  /** auth-svc's gRPC port, to resolve API keys (UsageSummary is for operators). */
  AUTH_SVC_URL: peerUrl('127.0.0.1:5001'),
  AUTH_JWKS_URL: z.string().url().default('http://127.0.0.1:9001/.well-known/jwks.json'),
  /** Raw events (and the per-day viewer table) are kept this many days; rollups forever. */
  RETENTION_DAYS: positiveInt(30),
  /** How often retention pruning runs. */
  PRUNE_INTERVAL_MS: positiveInt(10 * 60_000),
  /** Rows deleted per statement while pruning, so no statement holds locks for long. */
  PRUNE_BATCH_SIZE: positiveInt(5_000),
});

/** Validated, frozen analytics-svc configuration. */
export type AnalyticsConfig = Readonly<z.infer<typeof analyticsConfigSchema>>;

/** Reads analytics-svc's configuration from `env`, reporting every problem at once. */
export function loadAnalyticsConfig(env: Record<string, string | undefined>): AnalyticsConfig {
  return loadConfig(analyticsConfigSchema, env);
}
