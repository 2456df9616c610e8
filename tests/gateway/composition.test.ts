import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp as createGatewayApp } from '@pastemesh/gateway';
import { loadGatewayConfig } from '@pastemesh/gateway/config';
import { createLogger, createMetrics } from '@pastemesh/kit/observability';
import { createServiceClient, type RequestContext } from '@pastemesh/kit/rpc';
import { createServiceHost } from '@pastemesh/kit/server';
import { REDIS_TEST_URL, echoAnalyticsImpl, eventually } from '@pastemesh/kit/testing';
import { AnalyticsService } from '@pastemesh/gen/analytics';
import { TEST_DOWNSTREAM_TIMEOUT_MS, startStack, type Stack } from '../../scripts/stack.js';
import { BROWSER_UA, gql, gqlOk, metricValue, signUp } from '../support/graphql.js';

describe('gateway composition over the real services (mysql + redis)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'mysql',
      ports: 'random',
      env: { LOG_LEVEL: 'error' },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Environment for another gateway replica on the same services. */
  const replicaEnv = (overrides: Record<string, string> = {}) => ({
    HOST: '127.0.0.1',
    HTTP_PORT: '0',
    ADMIN_PORT: '0',
    LOG_LEVEL: 'error',
    REDIS_URL: REDIS_TEST_URL,
    AUTH_SVC_URL: stack.grpc.auth,
    AUTH_JWKS_URL: `http://127.0.0.1:${stack.ports.auth['admin']}/.well-known/jwks.json`,
    PASTE_SVC_URL: stack.grpc.paste,
    ANALYTICS_SVC_URL: stack.grpc.analytics,
    DOWNSTREAM_TIMEOUT_MS: TEST_DOWNSTREAM_TIMEOUT_MS,
    ...overrides,
  });

  it('lists 50 pastes with author and stats in one BatchGetUsers and one BatchGetPasteStats call', async () => {
    // Lists through a gateway that keeps totals for a minute: "again at once" below must not depend on this
    // machine answering within the 1 s default (past it, the stale totals are refreshed: a second call).
    const lister = createGatewayApp(loadGatewayConfig(replicaEnv({ STATS_CACHE_TTL_MS: '60000' })));
    const listUrl = `http://127.0.0.1:${(await lister.start()).http}`;
    const listerCalls = async (method: string) =>
      metricValue(await lister.metrics.registry.metrics(), 'grpc_client_handled_total', { grpc_method: method });
    try {
      const authors = await Promise.all([1, 2, 3, 4, 5].map((i) => signUp(url, `author${i}`)));
      for (let i = 0; i < 50; i++) {
        await gqlOk(
          url,
          `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`,
          { c: `paste ${i}` },
          authors[i % 5]!.accessToken,
        );
      }
      const [users, stats] = [await listerCalls('BatchGetUsers'), await listerCalls('BatchGetPasteStats')];
      const list = await gqlOk(
        listUrl,
        `{ pastes(first: 50) { edges { node { id author { displayName } stats { totalViews uniqueViewers } } } } }`,
      );
      expect(list['pastes'].edges).toHaveLength(50);
      expect(new Set(list['pastes'].edges.map((e: any) => e.node.author.displayName)).size).toBe(5);
      expect(list['pastes'].edges.every((e: any) => e.node.stats.totalViews === 0)).toBe(true);
      expect((await listerCalls('BatchGetUsers')) - users).toBe(1);
      expect((await listerCalls('BatchGetPasteStats')) - stats).toBe(1);

      // Again at once: profiles never change and totals are reused for STATS_CACHE_TTL_MS, so no second hop.
      const again = await gqlOk(
        listUrl,
        `{ pastes(first: 50) { edges { node { id author { displayName } stats { totalViews uniqueViewers } } } } }`,
      );
      expect(again).toEqual(list);
      expect((await listerCalls('BatchGetUsers')) - users).toBe(1);
      expect((await listerCalls('BatchGetPasteStats')) - stats).toBe(1);
      // A new author's paste: one call each, for what the caches do not hold.
      const newcomer = await signUp(url, 'newcomer');
      await gqlOk(
        url,
        `mutation { createPaste(input: { content: "newest" }) { paste { id } } }`,
        {},
        newcomer.accessToken,
      );
      const third = await gqlOk(
        listUrl,
        `{ pastes(first: 50) { edges { node { id author { displayName } stats { totalViews } } } } }`,
      );
      expect(third['pastes'].edges[0].node.author.displayName).toBe('newcomer');
      expect((await listerCalls('BatchGetUsers')) - users).toBe(2);
      expect((await listerCalls('BatchGetPasteStats')) - stats).toBe(2);
    } finally {
      await lister.stop();
    }
  });

  it('reuses stats totals for STATS_CACHE_TTL_MS, then shows the new count', async () => {
    const id = (await gqlOk(url, `mutation { createPaste(input: { content: "counted" }) { paste { id } } }`))[
      'createPaste'
    ].paste.id;
    const longTtl = createGatewayApp(loadGatewayConfig(replicaEnv({ STATS_CACHE_TTL_MS: '60000' })));
    const other = `http://127.0.0.1:${(await longTtl.start()).http}`;
    const analytics = createServiceClient(AnalyticsService, { address: stack.grpc.analytics });
    try {
      const totals = async (gateway: string) =>
        (await gqlOk(gateway, `query($id: ID!) { paste(id: $id) { stats { totalViews } } }`, { id }))['paste'].stats
          .totalViews;
      const before = Date.now();
      expect([await totals(url), await totals(other)]).toEqual([0, 0]);
      await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id });
      await eventually(
        async () => (await analytics.client.getPasteStats({ pasteId: id })).stats?.totalViews === 1n,
        10_000,
        50,
      );
      // analytics-svc has counted the view; the replica keeping totals for a minute still shows its copy.
      expect(await totals(other)).toBe(0);
      await eventually(async () => (await totals(url)) === 1, 10_000, 50);
      // The default TTL is 1 s: the count cannot have been fresh before the cached entry was that old.
      expect(Date.now() - before).toBeGreaterThanOrEqual(1_000);
    } finally {
      analytics.close();
      await longTtl.stop();
    }
  });

  it('records each content read as a view, visible in stats and topPastes', async () => {
    const created = await gqlOk(url, `mutation { createPaste(input: { content: "popular" }) { paste { id } } }`);
    const id = created['createPaste'].paste.id;
    for (let i = 0; i < 3; i++) await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }, undefined);
    const raw = await fetch(`${url}/raw/${id}`, { headers: { 'user-agent': BROWSER_UA } });
    expect(await raw.text()).toBe('popular');
    await eventually(
      async () => {
        const r = await gqlOk(url, `query($id: ID!) { paste(id: $id) { stats { totalViews } } }`, { id });
        return r['paste'].stats.totalViews === 4;
      },
      15_000,
      200,
    );
    const top = await gqlOk(url, `{ topPastes(window: DAY, limit: 5) { views paste { id } } }`);
    expect(top['topPastes'][0]).toEqual({ views: 4, paste: { id } });
    // viewsPerDay is fetched only when selected, however it is selected (field, inline fragment, named fragment).
    const today = new Date().toISOString().slice(0, 10);
    const days = (r: any) => [
      r['paste'].stats.totalViews,
      r['paste'].stats.viewsPerDay?.length,
      r['paste'].stats.viewsPerDay?.at(-1),
    ];
    const direct = await gqlOk(
      url,
      `query($id: ID!) { paste(id: $id) { stats { totalViews viewsPerDay { day count } } } }`,
      { id },
    );
    expect(days(direct)).toEqual([4, 30, { day: today, count: 4 }]);
    const inline = await gqlOk(
      url,
      `query($id: ID!) { paste(id: $id) { stats { totalViews ... on PasteStats { viewsPerDay { day count } } } } }`,
      { id },
    );
    expect(days(inline)).toEqual([4, 30, { day: today, count: 4 }]);
    const named = await gqlOk(
      url,
      `query($id: ID!) { paste(id: $id) { stats { ...D totalViews } } } fragment D on PasteStats { viewsPerDay { day count } }`,
      { id },
    );
    expect(days(named)).toEqual([4, 30, { day: today, count: 4 }]);
    const both = await gqlOk(
      url,
      `query($id: ID!) { a: paste(id: $id) { stats { totalViews } } b: paste(id: $id) { stats { viewsPerDay { count } } } }`,
      { id },
    );
    expect([both['a'].stats.totalViews, both['b'].stats.viewsPerDay.length]).toEqual([4, 30]);
  });

  it('returns the paste with stats null and an error at its path while analytics-svc is down', async () => {
    const created = await gqlOk(url, `mutation { createPaste(input: { content: "still readable" }) { paste { id } } }`);
    const id = created['createPaste'].paste.id;
    await stack.stopService('analytics');
    try {
      const res = await gql(url, `query($id: ID!) { paste(id: $id) { content stats { totalViews } } }`, { id });
      expect(res.data).toEqual({ paste: { content: 'still readable', stats: null } });
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.path).toEqual(['paste', 'stats']);
      expect(res.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await stack.startService('analytics');
    }
  });

  it('lists pastes with each stats field failing alone while analytics-svc is down (authors still shown)', async () => {
    const author = await signUp(url, 'listdown');
    for (let i = 0; i < 3; i++)
      await gqlOk(
        url,
        `mutation { createPaste(input: { content: "listed ${i}" }) { paste { id } } }`,
        {},
        author.accessToken,
      );
    await stack.stopService('analytics');
    try {
      const res = await gql(
        url,
        `{ pastes(first: 3) { edges { node { id author { displayName } stats { totalViews } } } } }`,
      );
      const edges = (res.data as any)?.pastes.edges as any[];
      expect(edges.map((e) => [e.node.author?.displayName, e.node.stats])).toEqual(
        [0, 1, 2].map(() => ['listdown', null]),
      );
      expect(res.errors?.map((e) => e.path)).toEqual([0, 1, 2].map((i) => ['pastes', 'edges', i, 'node', 'stats']));
      expect(res.errors?.every((e) => e.extensions?.['code'] === 'SERVICE_UNAVAILABLE')).toBe(true);
    } finally {
      await stack.startService('analytics');
    }
  });

  it('keeps anonymous reads and token verification working while auth-svc is down; logins fail as SERVICE_UNAVAILABLE', async () => {
    const user = await signUp(url, 'authdown');
    const created = await gqlOk(
      url,
      `mutation { createPaste(input: { content: "mine", visibility: PRIVATE }) { paste { id } } }`,
      {},
      user.accessToken,
    );
    const pub = await gqlOk(url, `mutation { createPaste(input: { content: "everyone" }) { paste { id } } }`);
    await stack.stopService('auth');
    try {
      const anon = await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, {
        id: pub['createPaste'].paste.id,
      });
      expect(anon['paste'].content).toBe('everyone');
      const mine = await gqlOk(
        url,
        `query($id: ID!) { paste(id: $id) { content } }`,
        { id: created['createPaste'].paste.id },
        user.accessToken,
      );
      expect(mine['paste'].content).toBe('mine');
      const login = await gql(
        url,
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
        { e: user.email, p: user.password },
      );
      expect(login.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await stack.startService('auth');
    }
  });

  it('stops serving a deleted paste at once on the gateway that deleted it, and on another replica once paste-svc announces it, long before its cache TTL', async () => {
    // The replica would keep its copy for a minute: only the announcement can make it stop sooner.
    const replica = createGatewayApp(loadGatewayConfig(replicaEnv({ HOT_CACHE_TTL_MS: '60000' })));
    const { http } = await replica.start();
    const other = `http://127.0.0.1:${http}`;
    try {
      const created = await gqlOk(
        url,
        `mutation { createPaste(input: { content: "short-lived" }) { deleteToken paste { id } } }`,
      );
      const id = created['createPaste'].paste.id;
      for (const g of [url, other])
        expect((await gqlOk(g, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste'].content).toBe(
          'short-lived',
        );
      await gqlOk(url, `mutation($id: ID!, $t: String) { deletePaste(id: $id, deleteToken: $t) }`, {
        id,
        t: created['createPaste'].deleteToken,
      });
      expect((await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste']).toBeNull();
      expect((await fetch(`${url}/raw/${id}`)).status).toBe(404);
      const deletedAt = Date.now();
      // Pub/sub takes milliseconds; the bound leaves a loaded machine room and is still far below the TTL.
      await eventually(
        async () => (await gqlOk(other, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste'] === null,
        10_000,
        20,
      );
      expect(Date.now() - deletedAt).toBeLessThan(10_000);
    } finally {
      await replica.stop();
    }
  });

  it("forwards each request's id and trace headers to the services it calls, and no other request's", async () => {
    // A real gRPC server standing in for analytics-svc records the request context each call arrived with.
    const seen: RequestContext[] = [];
    const echo = createServiceHost({
      name: 'trace-echo',
      logger: createLogger('trace-echo', 'silent'),
      metrics: createMetrics('trace-echo'),
      host: '127.0.0.1',
      services: [{ service: AnalyticsService, impl: echoAnalyticsImpl(seen) }],
      grpcPort: 0,
      connectPort: 0,
      adminPort: 0,
      readinessChecks: {},
    });
    const { grpc } = await echo.start();
    const gateway = createGatewayApp(loadGatewayConfig(replicaEnv({ ANALYTICS_SVC_URL: `127.0.0.1:${grpc}` })));
    const { http } = await gateway.start();
    const other = `http://127.0.0.1:${http}`;
    try {
      const id = (await gqlOk(url, `mutation { createPaste(input: { content: "traced" }) { paste { id } } }`))[
        'createPaste'
      ].paste.id;
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const statsRead = await gql(
        other,
        `query($id: ID!) { paste(id: $id) { stats { totalViews } } }`,
        { id },
        undefined,
        { 'x-request-id': 'trace-req-1', traceparent },
      );
      expect(statsRead.errors).toBeUndefined();
      const top = await gql(other, `{ topPastes(window: DAY, limit: 1) { views } }`, {}, undefined, {
        'x-request-id': 'trace-req-2',
      });
      expect(top.errors).toBeUndefined();
      await gql(other, `{ topPastes(window: DAY, limit: 1) { views } }`);
      // A request that brought no trace context gets a trace id of its own (its log lines share it), never another's.
      const fresh = expect.stringMatching(/^[0-9a-f]{32}$/);
      expect(seen.map((c) => [c.requestId, c.traceId])).toEqual([
        ['trace-req-1', '4bf92f3577b34da6a3ce929d0e0e4736'],
        ['trace-req-2', fresh],
        [expect.stringMatching(/^[0-9a-f-]{36}$/), fresh],
      ]);
      expect(seen[1]!.traceId).not.toBe(seen[2]!.traceId);
      // Without an exporter the gateway records nothing: the caller's span is passed on as the parent.
      expect(seen[0]!.traceHeaders['traceparent']).toBe(traceparent);
    } finally {
      await gateway.stop();
      await echo.stop();
    }
  });
});
