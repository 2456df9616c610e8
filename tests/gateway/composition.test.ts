import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp as createGatewayApp } from '@pastemesh/gateway';
import { loadGatewayConfig } from '@pastemesh/gateway/config';
import { REDIS_TEST_URL, eventually } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, gqlOk, metricValue, signUp } from '../support/graphql.js';

describe('gateway composition over the real services (mysql + redis)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ mode: 'mysql', ports: 'random', env: { LOG_LEVEL: 'error' } });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const clientCalls = async (method: string) => metricValue(await stack.gateway.metrics.registry.metrics(), 'grpc_client_handled_total', { grpc_method: method });

  it('lists 50 pastes with author and stats in one BatchGetUsers and one BatchGetPasteStats call', async () => {
    const authors = await Promise.all([1, 2, 3, 4, 5].map((i) => signUp(url, `author${i}`)));
    for (let i = 0; i < 50; i++) {
      await gqlOk(url, `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`, { c: `paste ${i}` }, authors[i % 5]!.accessToken);
    }
    const [users, stats] = [await clientCalls('BatchGetUsers'), await clientCalls('BatchGetPasteStats')];
    const list = await gqlOk(url, `{ pastes(first: 50) { edges { node { id author { displayName } stats { totalViews uniqueViewers } } } } }`);
    expect(list['pastes'].edges).toHaveLength(50);
    expect(new Set(list['pastes'].edges.map((e: any) => e.node.author.displayName)).size).toBe(5);
    expect(list['pastes'].edges.every((e: any) => e.node.stats.totalViews === 0)).toBe(true);
    expect((await clientCalls('BatchGetUsers')) - users).toBe(1);
    expect((await clientCalls('BatchGetPasteStats')) - stats).toBe(1);
  });

  it('records each content read as a view, visible in stats and topPastes', async () => {
    const created = await gqlOk(url, `mutation { createPaste(input: { content: "popular" }) { paste { id } } }`);
    const id = created['createPaste'].paste.id;
    for (let i = 0; i < 3; i++) await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }, undefined);
    const raw = await fetch(`${url}/raw/${id}`);
    expect(await raw.text()).toBe('popular');
    await eventually(async () => {
      const r = await gqlOk(url, `query($id: ID!) { paste(id: $id) { stats { totalViews } } }`, { id });
      return r['paste'].stats.totalViews === 4;
    }, 15_000, 200);
    const top = await gqlOk(url, `{ topPastes(window: DAY, limit: 5) { views paste { id } } }`);
    expect(top['topPastes'][0]).toEqual({ views: 4, paste: { id } });
    // viewsPerDay is fetched only when selected, however it is selected (field, inline fragment, named fragment).
    const today = new Date().toISOString().slice(0, 10);
    const days = (r: any) => [r['paste'].stats.totalViews, r['paste'].stats.viewsPerDay?.length, r['paste'].stats.viewsPerDay?.at(-1)];
    const direct = await gqlOk(url, `query($id: ID!) { paste(id: $id) { stats { totalViews viewsPerDay { day count } } } }`, { id });
    expect(days(direct)).toEqual([4, 30, { day: today, count: 4 }]);
    const inline = await gqlOk(url, `query($id: ID!) { paste(id: $id) { stats { totalViews ... on PasteStats { viewsPerDay { day count } } } } }`, { id });
    expect(days(inline)).toEqual([4, 30, { day: today, count: 4 }]);
    const named = await gqlOk(url, `query($id: ID!) { paste(id: $id) { stats { ...D totalViews } } } fragment D on PasteStats { viewsPerDay { day count } }`, { id });
    expect(days(named)).toEqual([4, 30, { day: today, count: 4 }]);
    const both = await gqlOk(url, `query($id: ID!) { a: paste(id: $id) { stats { totalViews } } b: paste(id: $id) { stats { viewsPerDay { count } } } }`, { id });
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
    for (let i = 0; i < 3; i++) await gqlOk(url, `mutation { createPaste(input: { content: "listed ${i}" }) { paste { id } } }`, {}, author.accessToken);
    await stack.stopService('analytics');
    try {
      const res = await gql(url, `{ pastes(first: 3) { edges { node { id author { displayName } stats { totalViews } } } } }`);
      const edges = (res.data as any)?.pastes.edges as any[];
      expect(edges.map((e) => [e.node.author?.displayName, e.node.stats])).toEqual([0, 1, 2].map(() => ['listdown', null]));
      expect(res.errors?.map((e) => e.path)).toEqual([0, 1, 2].map((i) => ['pastes', 'edges', i, 'node', 'stats']));
      expect(res.errors?.every((e) => e.extensions?.['code'] === 'SERVICE_UNAVAILABLE')).toBe(true);
    } finally {
      await stack.startService('analytics');
    }
  });

  it('keeps anonymous reads and token verification working while auth-svc is down; logins fail as SERVICE_UNAVAILABLE', async () => {
    const user = await signUp(url, 'authdown');
    const created = await gqlOk(url, `mutation { createPaste(input: { content: "mine", visibility: PRIVATE }) { paste { id } } }`, {}, user.accessToken);
    const pub = await gqlOk(url, `mutation { createPaste(input: { content: "everyone" }) { paste { id } } }`);
    await stack.stopService('auth');
    try {
      const anon = await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id: pub['createPaste'].paste.id });
      expect(anon['paste'].content).toBe('everyone');
      const mine = await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id: created['createPaste'].paste.id }, user.accessToken);
      expect(mine['paste'].content).toBe('mine');
      const login = await gql(url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, { e: user.email, p: user.password });
      expect(login.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await stack.startService('auth');
    }
  });

  it('stops serving a deleted paste at once on the gateway that deleted it and within a second on another replica', async () => {
    const env = {
      HOST: '127.0.0.1',
      HTTP_PORT: '0',
      ADMIN_PORT: '0',
      LOG_LEVEL: 'error',
      REDIS_URL: REDIS_TEST_URL,
      AUTH_SVC_URL: stack.grpc.auth,
      AUTH_JWKS_URL: `http://127.0.0.1:${stack.ports.auth['admin']}/.well-known/jwks.json`,
      PASTE_SVC_URL: stack.grpc.paste,
      ANALYTICS_SVC_URL: stack.grpc.analytics,
    };
    const replica = createGatewayApp(loadGatewayConfig(env));
    const { http } = await replica.start();
    const other = `http://127.0.0.1:${http}`;
    try {
      const created = await gqlOk(url, `mutation { createPaste(input: { content: "short-lived" }) { deleteToken paste { id } } }`);
      const id = created['createPaste'].paste.id;
      for (const g of [url, other]) expect((await gqlOk(g, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste'].content).toBe('short-lived');
      await gqlOk(url, `mutation($id: ID!, $t: String) { deletePaste(id: $id, deleteToken: $t) }`, { id, t: created['createPaste'].deleteToken });
      expect((await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste']).toBeNull();
      expect((await fetch(`${url}/raw/${id}`)).status).toBe(404);
      const deletedAt = Date.now();
      await eventually(async () => (await gqlOk(other, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste'] === null, 1_000, 20);
      expect(Date.now() - deletedAt).toBeLessThan(1_000);
    } finally {
      await replica.stop();
    }
  });
});
