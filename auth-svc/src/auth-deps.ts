import type { Counter } from 'prom-client';
import type { Authenticator } from '@pastemesh/kit/auth';
import type { Logger } from '@pastemesh/kit/observability';
import type { AuthConfig } from './config.js';
import type { AuthDb } from './database.js';
import type { PasswordHasher } from './password/password-hasher.js';
import type { Sessions } from './session/sessions.js';
import type { LoginLimiter } from './rate-limit/login-limiter.js';
import type { ApiKeyVerifier } from './api-key/api-key-verifier.js';

/** What the RPC handlers share, built once by createApp. */
export interface AuthDeps {
  config: AuthConfig;
  db: AuthDb;
  hasher: PasswordHasher;
  sessions: Sessions;
  limiter: LoginLimiter;
  /** The same verifier the auth interceptor uses. */
  credentials: Authenticator;
  apiKeys: ApiKeyVerifier;
  logger: Logger;
  /** auth_events_total{event}: sign-ins, failures, blocks, refresh reuse. */
  events: Counter<'event'>;
  /** Epoch milliseconds for stored timestamps. */
  now: () => number;
}
