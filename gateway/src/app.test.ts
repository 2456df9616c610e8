import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@pastemesh/kit/observability';
import { createApp } from './app.js';
import { loadGatewayConfig } from './config.js';

// Nothing listens on port 9: the gateway starts without its services (clients connect on first use).
const NOWHERE = {
  AUTH_SVC_URL: '127.0.0.1:9',
  PASTE_SVC_URL: '127.0.0.1:9',
  ANALYTICS_SVC_URL: '127.0.0.1:9',
  AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
};

describe('gateway lifecycle', () => {
  it('on stop fails /readyz at once, serves through SHUTDOWN_DRAIN_MS, then closes HTTP, Apollo, producer, limits, hot cache, pubsub, downstream, Redis, the admin server and tracing in that order', async () => {
    const lines: { part?: string; msg: string }[] = [];
    const logger = createLogger('gateway', 'debug', {
      write: (line: string) => void lines.push(JSON.parse(line) as { part?: string; msg: string }),
    });
    const config = loadGatewayConfig({
      ...NOWHERE,
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      ADMIN_PORT: '0',
      SHUTDOWN_DRAIN_MS: '3000',
    });
    const app = createApp(config, { logger });
    const { http, admin } = await app.start();
    const status = async (url: string) => (await fetch(url)).status;
    expect(app.services.publicUrl()).toBe(`http://localhost:${http}`);
    expect(await status(`http://127.0.0.1:${http}/readyz`)).toBe(200);
    expect(await status(`http://127.0.0.1:${admin}/readyz`)).toBe(200);

    const stopped = app.stop();
    // Load balancers see the failure while the gateway still answers (the drain lasts 3 s).
    expect(await status(`http://127.0.0.1:${http}/readyz`)).toBe(503);
    expect(await status(`http://127.0.0.1:${admin}/readyz`)).toBe(503);
    expect(await status(`http://127.0.0.1:${http}/healthz`)).toBe(200);
    await stopped;

    const stops = lines.filter((l) => l.msg.startsWith('gateway: stopping ')).map((l) => l.part);
    expect(stops).toEqual([
      'drain',
      'http',
      'apollo',
      'event producer',
      'rate limits',
      'hot cache',
      'pubsub',
      'downstream',
      'redis',
      'admin server',
      'tracing',
    ]);
    await expect(fetch(`http://127.0.0.1:${http}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${admin}/healthz`)).rejects.toThrow();
  });

  it('holds no port after a start that fails on a taken one', async () => {
    const logger = createLogger('gateway', 'silent');
    const env = { ...NOWHERE, HOST: '127.0.0.1', ADMIN_PORT: '0', SHUTDOWN_DRAIN_MS: '0' };
    const first = createApp(loadGatewayConfig({ ...env, HTTP_PORT: '0' }), { logger });
    const { http } = await first.start();
    try {
      // The second gateway's admin port binds first; its HTTP port is the first one's.
      const second = createApp(loadGatewayConfig({ ...env, HTTP_PORT: String(http) }), { logger });
      await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
      expect(second.ports.admin).toBeGreaterThan(0);
      await expect(fetch(`http://127.0.0.1:${second.ports.admin}/healthz`)).rejects.toThrow();
    } finally {
      await first.stop();
    }
  });
});

describe('gateway client address', () => {
  /** Malformed GraphQL posts, each from a different forwarded client, until one is refused (or `tries` ran). */
  const refusedAfter = async (hops: string, tries: number): Promise<number | null> => {
    const logger = createLogger('gateway', 'silent');
    const config = loadGatewayConfig({
      ...NOWHERE,
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      ADMIN_PORT: '0',
      SHUTDOWN_DRAIN_MS: '0',
      TRUST_PROXY_HOPS: hops,
      RATE_LIMIT_BAD_REQUESTS_PER_MIN: '2',
    });
    const app = createApp(config, { logger });
    const { http } = await app.start();
    try {
      for (let i = 0; i < tries; i++) {
        const res = await fetch(`http://127.0.0.1:${http}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i + 1}` },
          body: '{"query": ',
        });
        if (res.status === 429) return i;
        expect(res.status).toBe(400);
      }
      return null;
    } finally {
      await app.stop();
    }
  };

  it('ignores X-Forwarded-For without trusted proxies: a forged address does not escape the per-address limit', async () => {
    expect(await refusedAfter('0', 5)).toBe(2);
  });

  it('takes the client from X-Forwarded-For behind TRUST_PROXY_HOPS proxies: each forwarded client counts on its own', async () => {
    expect(await refusedAfter('1', 5)).toBeNull();
  });
});
