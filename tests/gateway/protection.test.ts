import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, metricValue, signUp } from '../support/graphql.js';
import { freshIp } from '../support/client-ip.js';
import { withinOneWindow } from '../support/rate-window.js';

describe('gateway protection: rate limits, body cap, batching, CSRF, headers (mysql + redis)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'mysql',
      ports: 'random',
      env: { LOG_LEVEL: 'error' },
      serviceEnv: {
        gateway: {
          TRUST_PROXY_HOPS: '1',
          RATE_LIMIT_CREATES_PER_MIN: '3',
          RATE_LIMIT_LOGINS_PER_MIN: '3',
          RATE_LIMIT_READS_PER_MIN: '5',
          RATE_LIMIT_BAD_REQUESTS_PER_MIN: '20',
        },
      },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const create = (ip: string, token?: string) =>
    gql(url, `mutation { createPaste(input: { content: "limited" }) { paste { id } } }`, {}, token, {
      'x-forwarded-for': ip,
    });

  it('allows exactly the create limit per IP, then answers RATE_LIMITED with a retry time', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await create(ip)).errors).toBeUndefined();
    const over = await create(ip);
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(over.errors?.[0]?.extensions?.['retryAfter']).toBeGreaterThan(0);
    expect((await create(freshIp())).errors).toBeUndefined();
  });

  it('allows exactly the create limit to concurrent creates from one IP (their Redis commands share writes)', async () => {
    const ip = freshIp();
    const results = await Promise.all(Array.from({ length: 8 }, () => create(ip)));
    const codes = results.map((r) => (r.errors ? r.errors[0]?.extensions?.['code'] : 'ok'));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(5);
  });

  it('limits a signed-in user across IPs as well as per IP', async () => {
    const user = await signUp(url, 'busy', freshIp());
    expect((await create(freshIp(), user.accessToken)).errors).toBeUndefined();
    expect((await create(freshIp(), user.accessToken)).errors).toBeUndefined();
    expect((await create(freshIp(), user.accessToken)).errors).toBeUndefined();
    expect((await create(freshIp(), user.accessToken)).errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
  });

  it('answers plain-HTTP creates over the limit with 429 and Retry-After', async () => {
    const ip = freshIp();
    const post = () => fetch(`${url}/`, { method: 'POST', body: 'curl paste', headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) expect((await post()).status).toBe(201);
    const over = await post();
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await over.text()).toMatch(/^error: too many create requests/);
  });

  it('limits reads per IP separately from creates', async () => {
    await withinOneWindow(async () => {
      const ip = freshIp();
      const created = await create(ip);
      const id = created.data?.['createPaste'].paste.id as string;
      const read = () => fetch(`${url}/raw/${id}`, { headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 5; i++) expect((await read()).status).toBe(200);
      expect((await read()).status).toBe(429);
      const gqlRead = await gql(url, `query($id: ID!) { paste(id: $id) { id } }`, { id }, undefined, {
        'x-forwarded-for': ip,
      });
      expect(gqlRead.errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    });
  });

  it('limits logins per IP', async () => {
    const ip = freshIp();
    const login = () =>
      gql(
        url,
        `mutation { login(email: "nobody@example.test", password: "whatever123") { accessToken } }`,
        {},
        undefined,
        { 'x-forwarded-for': ip },
      );
    for (let i = 0; i < 3; i++) expect((await login()).errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect((await login()).errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
  });

  it('refuses a body far above the paste limit with 413 before parsing it', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify({
        query: 'mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }',
        variables: { c: 'x'.repeat(7_000_000) },
      }),
    });
    expect(res.status).toBe(413);
  });

  it('answers a malformed document with 400 and a syntax error, not a server error', async () => {
    for (const query of ['{ paste(id: ', '}}}', 'query { ' + '__typename '.repeat(2_000) + '}']) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    }
  });

  it('answers every request from an IP that sent too many malformed or oversized ones 429, until the minute ends', async () => {
    await withinOneWindow(async () => {
      const ip = freshIp();
      const malformed = () =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: '{"query": "{ paste(id: "}',
        });
      for (let i = 0; i < 15; i++) expect((await malformed()).status).toBe(400);
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: '{"query": ',
        });
        expect(res.status).toBe(400);
      }
      const read = await gql(url, `{ languages { id } }`, {}, undefined, { 'x-forwarded-for': ip });
      expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      expect(read.errors?.[0]?.message).toMatch(/^too many malformed or oversized requests: retry in \d+ s$/);
      const raw = await fetch(`${url}/raw/abcdefgh`, { headers: { 'x-forwarded-for': ip } });
      expect([raw.status, Number(raw.headers.get('retry-after')) > 0]).toEqual([429, true]);
      expect(await raw.text()).toMatch(/^error: too many malformed or oversized requests/);
      // Other clients are unaffected, and so are the health checks.
      expect(
        (await gql(url, `{ languages { id } }`, {}, undefined, { 'x-forwarded-for': freshIp() })).errors,
      ).toBeUndefined();
      expect((await fetch(`${url}/healthz`, { headers: { 'x-forwarded-for': ip } })).status).toBe(200);
    });
    expect(
      metricValue(await stack.gateway.metrics.registry.metrics(), 'rate_limit_rejections_total', { scope: 'bad' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('refuses batched operations', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify([{ query: '{ languages { id } }' }, { query: '{ languages { id } }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('blocks requests a browser could send cross-site without a preflight (CSRF prevention)', async () => {
    const simpleGet = await fetch(`${url}/graphql?query=${encodeURIComponent('{ languages { id } }')}`);
    expect(simpleGet.status).toBe(400);
    const textPost = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ languages { id } }"}',
    });
    expect(textPost.status).toBe(400);
  });

  it('answers a GET query (query string read by the gateway) once the preflight header says it is not a simple request', async () => {
    const search = new URLSearchParams({
      query: 'query L($n: Int!) { pastes(first: $n) { edges { cursor } } }',
      variables: JSON.stringify({ n: 1 }),
      operationName: 'L',
    });
    const res = await fetch(`${url}/graphql?${search}`, {
      headers: { 'apollo-require-preflight': 'true', 'x-forwarded-for': freshIp() },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: { pastes: { edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(Array.isArray(body.data?.pastes.edges)).toBe(true);
    // Without a query string there is nothing to run: a clear 400, not a crash.
    const empty = await fetch(`${url}/graphql?`, {
      headers: { 'apollo-require-preflight': 'true', 'x-forwarded-for': freshIp() },
    });
    expect(empty.status).toBe(400);
  });

  it('sends security headers on every response', async () => {
    const responses = [
      await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ languages { id } }"}',
      }),
      await fetch(`${url}/raw/AAAAAAAAAAA`),
      await fetch(`${url}/healthz`),
    ];
    for (const res of responses) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src/);
      expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    }
  });

  it('tags every error with the request id the caller sent', async () => {
    const res = await gql(url, `{ myPastes { edges { cursor } } }`, {}, undefined, { 'x-request-id': 'req-abc-123' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'req-abc-123' });
  });
});
