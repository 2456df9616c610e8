import type CircuitBreaker from 'opossum';
import type { Client } from '@connectrpc/connect';
import { AuthService } from '@pastemesh/gen/auth';
import { PasteService } from '@pastemesh/gen/paste';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { type Logger, type Metrics, type Tracing } from '@pastemesh/kit/observability';
import { createServiceClient } from '@pastemesh/kit/rpc';
import { guardClient } from './breaker.js';
import type { GatewayConfig } from './config.js';

/** The three services behind the gateway, each through its own circuit breaker. */
export interface Downstream {
  auth: Client<typeof AuthService>;
  paste: Client<typeof PasteService>;
  analytics: Client<typeof AnalyticsService>;
  breakers: Record<'auth' | 'paste' | 'analytics', CircuitBreaker>;
  close(): void;
}

/** Connects to auth-svc, paste-svc and analytics-svc with the kit's client factory. */
export function createDownstream(
  config: GatewayConfig,
  metrics: Metrics,
  logger: Logger,
  tracing: Tracing,
): Downstream {
  const common = { metrics, tracing, defaultTimeoutMs: config.DOWNSTREAM_TIMEOUT_MS };
  const auth = createServiceClient(AuthService, { address: config.AUTH_SVC_URL, ...common });
  const paste = createServiceClient(PasteService, { address: config.PASTE_SVC_URL, connections: 2, ...common });
  const analytics = createServiceClient(AnalyticsService, { address: config.ANALYTICS_SVC_URL, ...common });
  const g = {
    auth: guardClient('auth-svc', AuthService, auth.client, metrics, logger),
    paste: guardClient('paste-svc', PasteService, paste.client, metrics, logger),
    analytics: guardClient('analytics-svc', AnalyticsService, analytics.client, metrics, logger),
  };
  return {
    auth: g.auth.client,
    paste: g.paste.client,
    analytics: g.analytics.client,
    breakers: { auth: g.auth.breaker, paste: g.paste.breaker, analytics: g.analytics.breaker },
    close() {
      for (const b of Object.values(g)) b.breaker.shutdown();
      auth.close();
      paste.close();
      analytics.close();
    },
  };
}
