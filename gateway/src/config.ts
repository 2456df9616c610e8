import {
  bool,
  loadConfig,
  logLevel,
  otelSettings,
  port,
  positiveInt,
  redisUrl,
  peerUrl,
  z,
} from '@pastemesh/kit/config';

/** Everything the gateway reads from the environment, validated once at start-up. */
export const gatewayConfigSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: port(5000),
  ADMIN_PORT: port(9000),
  /** The address people use to reach the gateway; paste links are built from it. Unset: http://localhost:<bound HTTP port>. */
  PUBLIC_URL: z
    .string()
    .url()
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  REDIS_URL: redisUrl,
  LOG_LEVEL: logLevel,
  ...otelSettings,
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Schema introspection and "Did you mean…" suggestions; off unless a developer asks (they help attackers map the API). */
  GRAPHQL_INTROSPECTION: bool(false),
  AUTH_SVC_URL: peerUrl('127.0.0.1:5001'),
  PASTE_SVC_URL: peerUrl('127.0.0.1:5002'),
  ANALYTICS_SVC_URL: peerUrl('127.0.0.1:5003'),
  AUTH_JWKS_URL: z.string().url().default('http://127.0.0.1:9001/.well-known/jwks.json'),
  JWT_ISSUER: z.string().default('pastemesh-auth'),
  JWT_AUDIENCE: z.string().default('pastemesh'),
  /** Deadline for every downstream call, in ms. */
  DOWNSTREAM_TIMEOUT_MS: positiveInt(2_000),
  /** Largest paste accepted, in bytes (paste-svc enforces its own limit too). */
  MAX_CONTENT_BYTES: positiveInt(1_048_576),
  /** In-process cache of PUBLIC/UNLISTED pastes; off sends every read to paste-svc. */
  HOT_CACHE: bool(true),
  HOT_CACHE_MAX_BYTES: positiveInt(32 * 1024 * 1024),
  HOT_CACHE_TTL_MS: positiveInt(60_000),
  /**
   * How long stats totals (views, unique viewers, last view) are reused across requests, in ms; 0 turns it off.
   * Listings then skip analytics-svc; counts may lag by this much on top of analytics' own delay. Off with HOT_CACHE.
   */
  STATS_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** Public profiles kept in-process (they never change); off with HOT_CACHE. */
  PROFILE_CACHE_MAX: positiveInt(10_000),
  /** Secret for the viewer key (keyed hash of IP and user agent); set it in production. */
  VIEWER_KEY_SECRET: z.string().min(16).default('pastemesh-dev-viewer-secret'),
  /** Requests per minute per IP (and per user) for each scope. */
  RATE_LIMIT_READS_PER_MIN: positiveInt(1_200),
  RATE_LIMIT_CREATES_PER_MIN: positiveInt(30),
  RATE_LIMIT_LOGINS_PER_MIN: positiveInt(20),
  /** Requests per minute per IP refused before any resolver ran (400, 413, 414, 415, 431); past it every request from that IP gets 429 for the rest of the minute. */
  RATE_LIMIT_BAD_REQUESTS_PER_MIN: positiveInt(60),
  /** Prefix of the rate limits' Redis keys; replicas of one deployment share it (set another to share a Redis). */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).max(64).default('pm:rl'),
  GRAPHQL_MAX_DEPTH: positiveInt(8),
  GRAPHQL_MAX_ALIASES: positiveInt(15),
  GRAPHQL_MAX_TOKENS: positiveInt(1_000),
  GRAPHQL_MAX_COST: positiveInt(5_000),
  /** How long a verified API key is trusted before asking auth-svc again (revocation takes at most this long), in ms. */
  API_KEY_CACHE_MS: positiveInt(30_000),
  /**
   * After SIGTERM, /readyz fails at once but requests are still served for this long, in ms, so load
   * balancers stop sending here before the listener closes (in Kubernetes a preStop sleep does the same).
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(1_000),
  /**
   * How long a client may take to send one whole request (headers and body), in ms; a slower one is answered
   * 408 and closed. 10 s is ~100 KiB/s for a 1 MiB paste.
   */
  REQUEST_TIMEOUT_MS: positiveInt(10_000),
  /** How long a client may take to send a request's headers, in ms. */
  HEADERS_TIMEOUT_MS: positiveInt(5_000),
  /** How long an idle keep-alive connection stays open, in ms. */
  KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  /**
   * Open connections one client address may hold; further ones are closed at once; 0 turns it off. Unset: 64,
   * or off behind a proxy (TRUST_PROXY_HOPS > 0), where every connection comes from the proxy and the proxy
   * limits connections per client (Istio: the DestinationRule's connectionPool).
   */
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).optional(),
  /** Trust X-Forwarded-For from this many proxies (Istio ingress = 1). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
});

export type GatewayConfig = Readonly<z.infer<typeof gatewayConfigSchema>>;

/** Validates the environment; throws one error naming every bad variable. */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  return loadConfig(gatewayConfigSchema, env);
}
