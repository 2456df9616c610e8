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
  readonly loaders: {
    paste: PasteLoader;
    versions: VersionsLoader;
    user: ReturnType<typeof createUserLoader>;
    stats: ReturnType<typeof createStatsLoader>;
    /** Totals without viewsPerDay, for queries that do not select it. */
    statsTotals: ReturnType<typeof createStatsLoader>;
  };
  /** Pastes whose view this request already recorded (one view per paste per request). */
  readonly viewed: Set<string>;
}

type UserLoader = ReturnType<typeof createUserLoader>;
type StatsLoader = ReturnType<typeof createStatsLoader>;

/**
 * A request's loaders, each made on first use (most requests need one or none). A class with its getters on
 * the prototype: the object literal with five getters it replaces made five closures per request (2.4% of a
 * raw read's busy time in the profiles).
 */
class RequestLoaders {
  #paste: PasteLoader | undefined;
  #versions: VersionsLoader | undefined;
  #user: UserLoader | undefined;
  #stats: StatsLoader | undefined;
  #statsTotals: StatsLoader | undefined;

  constructor(
    private readonly services: GatewayServices,
    private readonly caller: Caller,
  ) {}

  // Made on first use, like the others: by then GraphQL's tracing plugin has made the operation the caller's
  // current span, which the signed-in loader's calls then name as their parent.
  get paste(): PasteLoader {
    const { services, caller } = this;
    return (this.#paste ??= caller.token
      ? createPasteLoader(services.downstream.paste, services.hotCache, asCaller(caller))
      : services.anonymousPasteLoader.forRequest(caller.trace));
  }

  get versions(): VersionsLoader {
    return (this.#versions ??= createVersionsLoader(this.services.downstream.paste, asCaller(this.caller)));
  }

  get user(): UserLoader {
    return (this.#user ??= createUserLoader(
      this.services.downstream.auth,
      traced(this.caller),
      this.services.caches.profiles,
    ));
  }

  get stats(): StatsLoader {
    return (this.#stats ??= createStatsLoader(this.services.downstream.analytics, traced(this.caller)));
  }

  get statsTotals(): StatsLoader {
    return (this.#statsTotals ??= createStatsLoader(
      this.services.downstream.analytics,
      traced(this.caller),
      this.services.caches.statsTotals,
    ));
  }
}

/**
 * A request's scope; `loaders` and `viewed` are made when first read. Plain fields, not `#private` ones: Apollo
 * copies the context object for each operation (own properties onto the same prototype), and a copy has no
 * private fields.
 */
class Scope implements RequestScope {
  private madeLoaders: RequestLoaders | undefined = undefined;
  private madeViewed: Set<string> | undefined = undefined;

  constructor(
    readonly services: GatewayServices,
    readonly caller: Caller,
  ) {}

  get loaders(): RequestLoaders {
    return (this.madeLoaders ??= new RequestLoaders(this.services, this.caller));
  }

  get viewed(): Set<string> {
    return (this.madeViewed ??= new Set());
  }
}

/** Builds the scope of one request; its loaders are made on first use (most requests need few). */
export function createRequestScope(services: GatewayServices, caller: Caller): RequestScope {
  return new Scope(services, caller);
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
