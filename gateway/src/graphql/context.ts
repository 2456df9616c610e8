import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { ConnectError } from '@connectrpc/connect';
import { bearer, callOptions, contextFromHeaders, type Authenticator, type Logger, type Principal, type RequestContext } from '@pastemesh/kit';
import type { EventProducer } from '@pastemesh/kit';
import { isBotUserAgent, utcDay, viewerKey } from '@pastemesh/kit';
import type { GatewayConfig } from '../config.js';
import type { Downstream } from '../downstream.js';
import type { RateLimits } from '../rate-limit.js';
import type { HotCache } from '../paste/hot-cache.js';
import { createPasteLoader, type PasteLoader } from '../paste/paste.loader.js';
import { createUserLoader, type UserView } from '../user/user.loader.js';
import { createStatsLoader, type StatsView } from '../stats/stats.loader.js';
import type { ReadThroughCache } from './read-through.js';

/** Long-lived parts every request uses. */
export interface GatewayServices {
  config: GatewayConfig;
  downstream: Downstream;
  hotCache: HotCache;
  producer: EventProducer;
  limits: RateLimits;
  authenticator: Authenticator;
  logger: Logger;
  /** Coalesces anonymous readers across requests (one BatchGetPastes per tick). */
  anonymousPasteLoader: PasteLoader;
  /** Public profiles (immutable) and stats totals (eventually consistent), shared by every request. */
  caches: { profiles: ReadThroughCache<UserView>; statsTotals: ReadThroughCache<StatsView> };
}

/** Who is asking and from where, read once from the HTTP request. */
export interface Caller {
  /** Request id and trace headers: forwarded on every downstream call made for this request. */
  trace: RequestContext;
  ip: string;
  userAgent: string;
  referrerHost: string;
  principal: Principal | undefined;
  /** The JWT to forward (an API key is exchanged for one by the authenticator). */
  token: string | undefined;
}

/** Per-request GraphQL context. */
export interface GatewayContext {
  services: GatewayServices;
  caller: Caller;
  loaders: {
    paste: PasteLoader;
    user: ReturnType<typeof createUserLoader>;
    stats: ReturnType<typeof createStatsLoader>;
    /** Totals without viewsPerDay, for queries that do not select it. */
    statsTotals: ReturnType<typeof createStatsLoader>;
  };
  /** Pastes whose view this request already recorded (one view per paste per request). */
  viewed: Set<string>;
}

/** Verifies the caller's credential (if any) and reads IP, user agent and referrer. */
export async function identifyCaller(services: GatewayServices, req: FastifyRequest): Promise<Caller> {
  const credential = bearer(req.headers.authorization);
  let principal: Principal | undefined;
  if (credential) {
    try {
      principal = await services.authenticator.verify(credential);
    } catch (err) {
      const message = err instanceof ConnectError ? err.rawMessage : 'invalid credential';
      throw new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  }
  let referrerHost = '';
  try {
    if (req.headers.referer) referrerHost = new URL(req.headers.referer).host.slice(0, 255);
  } catch {
    // an unparsable Referer is simply not recorded
  }
  return {
    // Fastify's id is the inbound x-request-id, or one it minted.
    trace: contextFromHeaders((name) => (name === 'x-request-id' ? String(req.id) : (req.headers[name] as string | undefined))),
    ip: req.ip,
    userAgent: String(req.headers['user-agent'] ?? ''),
    referrerHost,
    principal,
    token: principal?.accessToken,
  };
}

/** Options for a downstream call made on the caller's behalf: its credential and its trace. */
export function asCaller(caller: Caller) {
  return callOptions({ trace: caller.trace, token: caller.token });
}

/** Options for a downstream call made for the request but not as the caller (public data, logins). */
export function traced(caller: Caller) {
  return callOptions({ trace: caller.trace });
}

/** Builds the context for one GraphQL request; the user and stats loaders are made on first use (most queries need neither). */
export function createContext(services: GatewayServices, caller: Caller): GatewayContext {
  const { downstream, hotCache } = services;
  let user: ReturnType<typeof createUserLoader> | undefined;
  let stats: ReturnType<typeof createStatsLoader> | undefined;
  let statsTotals: ReturnType<typeof createStatsLoader> | undefined;
  return {
    services,
    caller,
    loaders: {
      paste: caller.token ? createPasteLoader(downstream.paste, hotCache, asCaller(caller), false) : services.anonymousPasteLoader,
      get user() {
        return (user ??= createUserLoader(downstream.auth, traced(caller), services.caches.profiles));
      },
      get stats() {
        return (stats ??= createStatsLoader(downstream.analytics, traced(caller)));
      },
      get statsTotals() {
        return (statsTotals ??= createStatsLoader(downstream.analytics, traced(caller), services.caches.statsTotals));
      },
    },
    viewed: new Set(),
  };
}

/** Viewer keys already computed today, by IP and user agent: two HMACs per view showed in profiles. */
const viewerKeys = new Map<string, string>();
let viewerKeysDay = '';
const MAX_VIEWER_KEYS = 10_000;

function cachedViewerKey(ip: string, userAgent: string, secret: string): string {
  const day = utcDay();
  if (day !== viewerKeysDay || viewerKeys.size >= MAX_VIEWER_KEYS) {
    viewerKeys.clear();
    viewerKeysDay = day;
  }
  const k = `${ip}\n${userAgent}`;
  let key = viewerKeys.get(k);
  if (key === undefined) viewerKeys.set(k, (key = viewerKey(ip, userAgent, secret, day)));
  return key;
}

/** Records one view of a paste's content (never blocks: the producer buffers). */
export function recordView(services: GatewayServices, caller: Caller, pasteId: string): void {
  services.producer.recordView({
    pasteId,
    viewerKey: cachedViewerKey(caller.ip, caller.userAgent, services.config.VIEWER_KEY_SECRET),
    referrerHost: caller.referrerHost,
    bot: isBotUserAgent(caller.userAgent),
  });
}
