import { isBotUserAgent, utcDay, viewerKey } from '@pastemesh/analytics-svc/client';
import type { GatewayServices } from '../services.js';
import { createPasteLoader, type PasteLoader } from '../paste/paste.loader.js';
import { createVersionsLoader, type VersionsLoader } from '../paste/versions.loader.js';
import { createUserLoader } from '../user/user.loader.js';
import { createStatsLoader } from '../stats/stats.loader.js';
import { asCaller, traced, type Caller } from './caller.js';
import { sampledTraceparent } from '@pastemesh/kit/rpc';

/**
 * One request, whatever its protocol: the caller, per-request loaders (each batches every lookup of one kind
 * the request makes into one downstream call) and the views it already recorded. GraphQL's context is this.
 */
export interface RequestScope {
  services: GatewayServices;
  caller: Caller;
  loaders: {
    paste: PasteLoader;
    versions: VersionsLoader;
    user: ReturnType<typeof createUserLoader>;
    stats: ReturnType<typeof createStatsLoader>;
    /** Totals without viewsPerDay, for queries that do not select it. */
    statsTotals: ReturnType<typeof createStatsLoader>;
  };
  /** Pastes whose view this request already recorded (one view per paste per request). */
  viewed: Set<string>;
}

/** Builds the scope of one request; its loaders are made on first use (most requests need few). */
export function createRequestScope(services: GatewayServices, caller: Caller): RequestScope {
  const { downstream, hotCache } = services;
  let paste: PasteLoader | undefined;
  let versions: VersionsLoader | undefined;
  let user: ReturnType<typeof createUserLoader> | undefined;
  let stats: ReturnType<typeof createStatsLoader> | undefined;
  let statsTotals: ReturnType<typeof createStatsLoader> | undefined;
  return {
    services,
    caller,
    loaders: {
      // Made on first use, like the others: by then GraphQL's tracing plugin has made the operation the
      // caller's current span, which the signed-in loader's calls then name as their parent.
      get paste() {
        return (paste ??= caller.token
          ? createPasteLoader(downstream.paste, hotCache, asCaller(caller))
          : services.anonymousPasteLoader.forRequest(caller.trace));
      },
      get versions() {
        return (versions ??= createVersionsLoader(downstream.paste, asCaller(caller)));
      },
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

/** Records one view of a paste's content, once per request (never blocks: the producer buffers). */
export function recordView(scope: RequestScope, pasteId: string): void {
  if (scope.viewed.has(pasteId)) return;
  scope.viewed.add(pasteId);
  const { caller, services } = scope;
  services.producer.recordView({
    pasteId,
    viewerKey: cachedViewerKey(caller.ip, caller.userAgent, services.config.VIEWER_KEY_SECRET),
    referrerHost: caller.referrerHost,
    bot: isBotUserAgent(caller.userAgent),
    // Sampled requests only: analytics-svc's ingestion links its span to this request's trace.
    ...(caller.trace.sampled ? { traceparent: sampledTraceparent(caller.trace) } : {}),
  });
}
