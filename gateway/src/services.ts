import type { EventProducer } from '@pastemesh/analytics-svc/client';
import type { Authenticator } from '@pastemesh/kit/auth';
import type { Logger } from '@pastemesh/kit/observability';
import type { GatewayConfig } from './config.js';
import type { Downstream } from './downstream.js';
import type { RateLimits } from './rate-limit.js';
import type { HotCache } from './paste/hot-cache.js';
import type { SharedPasteLoader } from './paste/paste.loader.js';
import type { PasteCreator } from './paste/paste.creator.js';
import type { ReadThroughCache } from './graphql/read-through.js';
import type { UserView } from './user/user.loader.js';
import type { StatsView } from './stats/stats.loader.js';

/** Long-lived parts every request uses, built once by createApp. */
export interface GatewayServices {
  config: GatewayConfig;
  /** The base of paste links: PUBLIC_URL, or this process's own address once it listens. */
  publicUrl: () => string;
  downstream: Downstream;
  hotCache: HotCache;
  producer: EventProducer;
  limits: RateLimits;
  authenticator: Authenticator;
  logger: Logger;
  /** Coalesces anonymous readers across requests (one BatchGetPastes per tick). */
  anonymousPasteLoader: SharedPasteLoader;
  /** Stores new pastes; concurrent creates of one credential share a CreatePastes call. */
  pasteCreator: PasteCreator;
  /** Public profiles (immutable) and stats totals (eventually consistent), shared by every request. */
  caches: { profiles: ReadThroughCache<UserView>; statsTotals: ReadThroughCache<StatsView> };
}
