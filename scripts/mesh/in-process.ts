// Running a service in this process: the same `createApp(config)` its main.ts starts, with the config read
// from the environment the launcher composed (never from process.env). Imported only when a mesh runs
// in-process, so the launcher's child-process users do not load the services' code.
import { createApp as createAuthApp } from '@pastemesh/auth-svc';
import { loadAuthConfig } from '@pastemesh/auth-svc/config';
import { createApp as createPasteApp } from '@pastemesh/paste-svc';
import { loadPasteConfig } from '@pastemesh/paste-svc/config';
import { createApp as createAnalyticsApp } from '@pastemesh/analytics-svc';
import { loadAnalyticsConfig } from '@pastemesh/analytics-svc/config';
import { createApp as createGatewayApp } from '@pastemesh/gateway';
import { loadGatewayConfig } from '@pastemesh/gateway/config';
import type { ServiceName } from './services.js';
import type { Env } from './wiring.js';

/** What every service's createApp returns. */
export interface ServiceApp {
  start(): Promise<object>;
  stop(): Promise<void>;
}

const FACTORIES: Record<ServiceName, (env: Env) => ServiceApp> = {
  auth: (env) => createAuthApp(loadAuthConfig(env)) as ServiceApp,
  analytics: (env) => createAnalyticsApp(loadAnalyticsConfig(env)) as ServiceApp,
  paste: (env) => createPasteApp(loadPasteConfig(env)) as ServiceApp,
  gateway: (env) => createGatewayApp(loadGatewayConfig(env)) as ServiceApp,
};

/** Creates and starts one service; resolves with the app and the ports it bound. */
export async function startInProcess(
  service: ServiceName,
  env: Env,
): Promise<{ app: ServiceApp; ports: Record<string, number> }> {
  const app = FACTORIES[service](env);
  const ports = (await app.start().catch(async (err: unknown) => {
    // A start that failed half-way (e.g. its port was taken) may hold connections and timers.
    await app.stop().catch(() => {});
    throw err;
  })) as Record<string, number>;
  return { app, ports };
}
