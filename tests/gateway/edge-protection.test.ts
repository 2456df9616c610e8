// The gateway's edge refuses a client's mistake with a 4xx naming what to change, on every path, and never
// lets one client's requests (numeric enums, bad credentials, huge or slow bodies) hurt anyone else.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, gqlOk, signUp } from '../support/graphql.js';
import { freshIp } from '../support/client-ip.js';
import { withinOneWindow } from '../support/rate-window.js';

describe('gateway edge: client mistakes are 4xx on every path (mysql + redis)', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode: 'mysql',
      ports: 'random',
      env: { LOG_LEVEL: 'fatal' },
      serviceEnv: {
        gateway: {
          TRUST_PROXY_HOPS: '1',
          REQUEST_TIMEOUT_MS: '1500',
          HEADERS_TIMEOUT_MS: '1000',
          MAX_CONNECTIONS_PER_IP: '12',
          API_KEY_CACHE_MS: '1',
        },
      },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = (query: string, body: string | Buffer = 'x', headers: Record<string, string> = {}) =>
    fetch(`${url}/${query}`, { method: 'POST', body, headers: { 'x-forwarded-for': freshIp(), ...headers } });
  const breakerClosed = () =>
    Object.values(stack.gateway.services.downstream.breakers).every((b) => !b.opened && !b.halfOpen);

  it('refuses a numeric or unknown visibility with 400 naming it, however often, and the paste-svc breaker stays closed', async () => {
    for (let i = 0; i < 15; i++) {
      for (const q of [
        '?visibility=1',
        '?visibility=3',
        '?visibility=VISIBILITY_PUBLIC',
        '?visibility=constructor',
        '?expiry=7',
        '?burn=maybe',
      ]) {
        const res = await post(q);
        expect([q, res.status]).toEqual([q, 400]);
        expect(await res.text()).toMatch(/^error: (visibility|expiry|burn): /);
      }
    }
    expect(breakerClosed()).toBe(true);
    expect((await gql(url, '{ pastes(first: 5) { edges { cursor } } }')).errors).toBeUndefined();
  });

  it('refuses a repeated query parameter with 400 naming it', async () => {
    for (const q of [
      '?expiry=1d&expiry=1h',
      '?visibility=public&visibility=private',
      '?title=a&title=b',
      '?burn=1&burn=0',
      '?language=c&language=go',
    ]) {
      const res = await post(q);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(new RegExp(`^error: ${q.slice(1, q.indexOf('='))}: give it at most once`));
    }
    const id = (await (await post('?expiry=1d', 'versioned')).text()).trim().split('/').pop();
    const twice = await fetch(`${url}/raw/${id}?v=1&v=2`);
    expect(twice.status).toBe(400);
    expect(await twice.text()).toMatch(/^error: v: give it at most once/);
  });

  it('answers a bad, forged or revoked credential on POST / and GET /raw with 401 and WWW-Authenticate', async () => {
    const user = await signUp(url, 'edge-401', freshIp());
    const [h, p] = user.accessToken.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    const key = (
      await gqlOk(url, 'mutation { createApiKey(name: "soon revoked") { secret apiKey { id } } }', {}, user.accessToken)
    )['createApiKey'];
    const id = (await (await post('', 'readable')).text()).trim().split('/').pop();
    await gqlOk(url, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: key.apiKey.id }, user.accessToken);
    await new Promise((r) => setTimeout(r, 20));
    for (const credential of ['garbage', forged, 'pm_not_a_real_key_0000000000', key.secret]) {
      const headers = { authorization: `Bearer ${credential}` };
      for (const res of [await post('', 'as someone', headers), await fetch(`${url}/raw/${id}`, { headers })]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="pastemesh", error="invalid_token"/);
        expect(await res.text()).toMatch(/^error: /);
      }
      const graphql = await gql(url, '{ languages { id } }', {}, credential);
      expect(graphql.status).toBe(401);
      expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    }
  });

  it("answers an over-size body with the content limit on POST / and the body limit on /graphql, in each path's shape", async () => {
    const big = await post('', Buffer.alloc(1_048_577, 0x61));
    expect(big.status).toBe(413);
    expect(await big.text()).toBe('error: content: at most 1048576 bytes (got 1048577)\n');
    const hugeJson = JSON.stringify({
      query: 'mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }',
      variables: { c: 'a'.repeat(7_000_000) },
    });
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      body: hugeJson,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'BODY_TOO_LARGE',
      field: 'body',
      limit: expect.any(Number),
    });
    expect(body.errors[0]!.message).toMatch(/^body: at most \d+ bytes/);
    const tooMuchContent = await gql(
      url,
      'mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }',
      { c: 'a'.repeat(1_048_577) },
    );
    expect(tooMuchContent.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CONTENT_TOO_LARGE',
      field: 'content',
      limit: 1_048_576,
    });
    expect(tooMuchContent.errors?.[0]?.message).toBe('content: at most 1048576 bytes (got 1048577)');
  });

  it('accepts through GraphQL a 1 MiB paste whose JSON escaping more than doubles the body', async () => {
    for (const content of [
      '\n'.repeat(600_000),
      JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, i) => ({ i, tag: `t${i}` })) }, null, 2).slice(
        0,
        1_000_000,
      ),
      '\u0001'.repeat(1_000_000),
    ]) {
      const res = await gql(
        url,
        'mutation($c: String!) { createPaste(input: { content: $c }) { paste { id sizeBytes } } }',
        { c: content },
        undefined,
        { 'x-forwarded-for': freshIp() },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!['createPaste'].paste.sizeBytes).toBe(Buffer.byteLength(content));
    }
  }, 30_000);

  it('closes a connection that trickles its body slower than REQUEST_TIMEOUT_MS allows, and caps connections per address', async () => {
    const { port } = new URL(url);
    const slow = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    slow.on('data', (d) => (answer += String(d)));
    const closed = new Promise<number>((resolve) => slow.on('close', () => resolve(Date.now())));
    const started = Date.now();
    slow.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n');
    const drip = setInterval(() => slow.write('ab'), 500);
    const at = await closed;
    clearInterval(drip);
    expect(at - started).toBeLessThan(5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);

    // 12 open connections from one address are allowed; the 13th is closed at once.
    const held = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(Number(port), '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    const extra = net.connect(Number(port), '127.0.0.1');
    const extraClosed = await new Promise<boolean>((resolve) => {
      extra.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 2_000);
    });
    expect(extraClosed).toBe(true);
    for (const s of held) s.destroy();
    // Served again once the gateway has seen them close: wait for that, not for a guessed 50 ms.
    await eventually(
      async () =>
        (await fetch(`${url}/healthz`).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      10_000,
      50,
    );
  });

  it('limits reads per user across addresses and API key creation per user', async () => {
    // A stack of its own with small limits: the shared one above is generous.
    const small = await startStack({
      mode: 'mysql',
      ports: 'random',
      env: { LOG_LEVEL: 'fatal' },
      serviceEnv: {
        gateway: {
          TRUST_PROXY_HOPS: '1',
          RATE_LIMIT_READS_PER_MIN: '4',
          RATE_LIMIT_CREATES_PER_MIN: '2',
        },
      },
    });
    try {
      const user = await signUp(small.gatewayUrl, 'reader', freshIp());
      await withinOneWindow(async () => {
        // Each attempt reads as a user of its own: the per-user count is what is limited here.
        const reader = await signUp(small.gatewayUrl, 'reader', freshIp());
        const read = () =>
          gql(small.gatewayUrl, '{ pastes(first: 1) { edges { cursor } } }', {}, reader.accessToken, {
            'x-forwarded-for': freshIp(),
          });
        for (let i = 0; i < 4; i++) expect((await read()).errors).toBeUndefined();
        expect((await read()).errors?.[0]?.extensions).toMatchObject({
          code: 'RATE_LIMITED',
          retryAfter: expect.any(Number),
        });
      });
      const mint = () =>
        gql(small.gatewayUrl, 'mutation { createApiKey(name: "k") { secret } }', {}, user.accessToken, {
          'x-forwarded-for': freshIp(),
        });
      expect((await mint()).errors).toBeUndefined();
      expect((await mint()).errors).toBeUndefined();
      expect((await mint()).errors?.[0]?.extensions?.['code']).toBe('RATE_LIMITED');
    } finally {
      await small.stop();
    }
  });

  it('drops trace headers gRPC cannot carry instead of failing the request, and never echoes an unusable request id', async () => {
    // U+202E as its UTF-8 bytes: what a client sends when it puts non-ASCII text in a header.
    const rtl = '\u00e2\u0080\u00ae';
    for (const name of ['x-request-id', 'traceparent', 'tracestate', 'b3']) {
      const headers = { [name]: rtl, 'x-forwarded-for': freshIp() };
      const created = await post('', 'traced', headers);
      expect([name, created.status]).toEqual([name, 201]);
      const id = (await created.text()).trim().split('/').pop();
      const raw = await fetch(`${url}/raw/${id}?v=1`, { headers });
      expect([name, raw.status]).toEqual([name, 200]);
      const res = await gql(url, '{ languages { id } pastes(first: 1) { edges { cursor } } }', {}, undefined, headers);
      expect([name, res.errors]).toEqual([name, undefined]);
    }
    const failed = await fetch(`${url}/raw/${'A'.repeat(11)}`, {
      headers: { 'x-request-id': `${'x'.repeat(200)}`, 'x-forwarded-for': freshIp() },
    });
    expect(failed.status).toBe(404);
  });

  it('answers a persisted-query request as unsupported, not as a server error', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify({
        query: '{ languages { id } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'deadbeef' } },
      }),
    });
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });

  it('keeps introspection and field suggestions off unless GRAPHQL_INTROSPECTION=true', async () => {
    const introspect = await gql(url, '{ __schema { types { name } } }');
    expect(introspect.status).toBe(400);
    expect(JSON.stringify(introspect.errors)).toMatch(/introspection/i);
    const typo = await gql(url, '{ pastez { edges { cursor } } }');
    expect(JSON.stringify(typo.errors)).not.toMatch(/Did you mean/);
  });

  it('shows clients a generic message and the request id when a service is down, never its address', async () => {
    await stack.stopService('paste');
    try {
      const res = await gql(url, '{ pastes(first: 1) { edges { cursor } } }', {}, undefined, {
        'x-forwarded-for': freshIp(),
      });
      const error = res.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: expect.any(String) });
      expect(JSON.stringify(res)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|No connection established/);
      const raw = await fetch(`${url}/raw/AAAAAAAAAAA`, {
        headers: { 'x-forwarded-for': freshIp(), 'x-request-id': 'report-me-7' },
      });
      expect(raw.status).toBe(503);
      const text = await raw.text();
      expect(text).toMatch(/request id report-me-7/);
      expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      await stack.startService('paste');
    }
  });
});
