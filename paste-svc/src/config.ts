import {
  ConfigError,
  bool,
  loadConfig,
  logLevel,
  otelSettings,
  mysqlUrl,
  peerUrl,
  port,
  positiveInt,
  redisUrl,
  z,
} from '@pastemesh/kit/config';
import { EXPIRY_NAMES, expiryRank, type ExpiryName } from './paste/expiry.js';
import { parseContentStore } from './content/content-store.js';

/** MEDIUMBLOB holds 16 MiB and gRPC accepts 8 MiB; 4 MiB leaves room for both. */
export const MAX_CONTENT_BYTES_CEILING = 4 * 1024 * 1024;

const expiry = z.enum(EXPIRY_NAMES);
const expiryList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(expiry).min(1, 'name at least one expiry'));

/** CONTENT_STORE's value, checked at start-up (parseContentStore names the variable in its message). */
const contentStoreSetting = z.string().refine(
  (value) => {
    try {
      parseContentStore(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'one of database, file:///PATH, s3://BUCKET[/PREFIX]' },
);

const schema = z.object({
  HOST: z.string().default('0.0.0.0'),
  GRPC_PORT: port(5002),
  CONNECT_PORT: port(5102),
  ADMIN_PORT: port(9002),
  MYSQL_URL: mysqlUrl,
  /**
   * A read replica of MYSQL_URL's server (MariaDB, GTID replication): reads go there while it is fresh enough.
   * Without a database name it uses MYSQL_URL's.
   */
  MYSQL_REPLICA_URL: mysqlUrl,
  /**
   * How far the replica may be behind before every read goes to the primary: a read that may miss a write
   * (its paste or listing written after the time the replica is known to be complete to) reads the primary.
   */
  REPLICA_FRESHNESS_MS: positiveInt(5_000),
  REDIS_URL: redisUrl,
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: logLevel,
  ...otelSettings,
  JWT_ISSUER: z.string().default('pastemesh-auth'),
  JWT_AUDIENCE: z.string().default('pastemesh'),
  AUTH_SVC_URL: peerUrl('127.0.0.1:5001'),
  AUTH_JWKS_URL: z.url().default('http://127.0.0.1:9001/.well-known/jwks.json'),
  ANALYTICS_SVC_URL: peerUrl('127.0.0.1:5003'),
  /** Largest content accepted, in bytes. */
  MAX_CONTENT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_CONTENT_BYTES_CEILING)
    .default(1024 * 1024),
  /** Comma-separated expiries callers may choose. */
  ALLOWED_EXPIRIES: expiryList.default([...EXPIRY_NAMES]),
  /** What EXPIRY_UNSPECIFIED means; must be allowed. */
  DEFAULT_EXPIRY: expiry.default('1w'),
  /** Longest expiry allowed; longer ones are dropped from ALLOWED_EXPIRIES. */
  MAX_EXPIRY: expiry.default('never'),
  /** Upper bound on how long a paste stays in the cache (staleness bound across replicas). */
  CACHE_MAX_TTL_MS: positiveInt(10 * 60_000),
  /** Bound of the in-process cache used without Redis. */
  CACHE_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  SWEEP_ENABLED: bool(true),
  SWEEP_INTERVAL_MS: positiveInt(60_000),
  /** Pastes deleted per sweep round; each round is a few short transactions. */
  SWEEP_BATCH_SIZE: positiveInt(500),
  /**
   * Share of the time a round spends deleting (0 to 1): after each transaction the sweeper pauses so
   * deletes never crowd out reads in the database. 1 sweeps flat out.
   */
  SWEEP_DUTY_CYCLE: z.coerce.number().gt(0).max(1).default(0.25),
  /** Unreferenced content younger than this is left alone (a create may be about to use it). */
  ORPHAN_GRACE_MS: positiveInt(60 * 60_000),
  /** Where content bytes live: `database` (paste-svc's table), `file:///PATH` or `s3://BUCKET[/PREFIX]`. */
  CONTENT_STORE: contentStoreSetting.default('database'),
  /** While content moves between stores: where objects not (yet) in CONTENT_STORE are read from. */
  CONTENT_STORE_PREVIOUS: contentStoreSetting.optional(),
  /** How often the sweeper lists the object store for objects no row references (a failed create's). */
  ORPHAN_SCAN_INTERVAL_MS: positiveInt(60 * 60_000),
  // The AWS SDK's own variables (it also reads its shared config files and instance roles when these are unset).
  AWS_ENDPOINT_URL_S3: z.url().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO, Garage and s3rver need. */
  S3_FORCE_PATH_STYLE: bool(false),
});

/** paste-svc's validated, frozen configuration. */
export type PasteConfig = Readonly<
  Omit<z.infer<typeof schema>, 'ALLOWED_EXPIRIES'> & { ALLOWED_EXPIRIES: readonly ExpiryName[] }
>;

/** Reads paste-svc's configuration from `env`, reporting every problem at once. */
export function loadPasteConfig(env: Record<string, string | undefined>): PasteConfig {
  const raw = loadConfig(schema, env);
  const max = expiryRank(raw.MAX_EXPIRY);
  const allowed = [...new Set(raw.ALLOWED_EXPIRIES)]
    .filter((name) => expiryRank(name) <= max)
    .sort((a, b) => expiryRank(a) - expiryRank(b));
  const problems: string[] = [];
  if (raw.MYSQL_REPLICA_URL && !raw.MYSQL_URL)
    problems.push('MYSQL_REPLICA_URL: needs MYSQL_URL (a replica of the MySQL primary; the SQLite default has none)');
  if (allowed.length === 0) problems.push(`ALLOWED_EXPIRIES: nothing is left at or below MAX_EXPIRY=${raw.MAX_EXPIRY}`);
  if (!allowed.includes(raw.DEFAULT_EXPIRY)) {
    problems.push(
      `DEFAULT_EXPIRY: ${raw.DEFAULT_EXPIRY} is not among the allowed expiries (${allowed.join(',') || 'none'})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...raw, ALLOWED_EXPIRIES: Object.freeze(allowed) });
}
