import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, metricValue } from '../support/graphql.js';

describe.each(STORAGE_MODES)('gateway plain HTTP endpoints for curl (%s)', (mode) => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode,
      ports: 'random',
      env: { LOG_LEVEL: 'error' },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(body: string | Buffer, query = ''): Promise<{ id: string; res: Response; text: string }> {
    const res = await fetch(`${url}/${query}`, { method: 'POST', body, headers: { 'user-agent': 'curl/8.5.0' } });
    const text = await res.text();
    return { id: text.trim().split('/').pop() ?? '', res, text };
  }

  it('creates a paste from a raw body and answers its URL on one line with a delete token header', async () => {
    const { res, text, id } = await post('#!/bin/sh\necho hi\n', '?language=bash&expiry=1h');
    expect(res.status).toBe(201);
    expect(text).toMatch(/^https?:\/\/\S+\/p\/[0-9A-Za-z]{11}\n$/);
    expect(res.headers.get('x-delete-token')).toEqual(expect.any(String));
    const raw = await fetch(`${url}/raw/${id}`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('#!/bin/sh\necho hi\n');
  });

  it('answers concurrent creates (which may share a CreatePastes call) each with its own paste and delete token', async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => `together ${i} ${Math.random()}`);
    // One bad create among them: its own 4xx naming the field, the others stored.
    const [bad, ...created] = await Promise.all([
      post('bad title', `?title=${'x'.repeat(201)}`),
      ...bodies.map((b) => post(b, '?visibility=unlisted')),
    ]);
    expect(bad!.res.status).toBe(400);
    expect(bad!.text).toMatch(/title/);
    expect(created.map((c) => c.res.status)).toEqual(bodies.map(() => 201));
    expect(new Set(created.map((c) => c.id)).size).toBe(bodies.length);
    for (const [i, c] of created.entries()) {
      expect(await (await fetch(`${url}/raw/${c.id}`)).text()).toBe(bodies[i]);
    }
    // Each delete token deletes its own paste: the first one's does not delete the second, and does the first.
    const token = created[0]!.res.headers.get('x-delete-token')!;
    const del = (id: string) =>
      gql(url, 'mutation D($id: ID!, $t: String) { deletePaste(id: $id, deleteToken: $t) }', { id, t: token });
    expect((await del(created[1]!.id)).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect((await del(created[0]!.id)).data?.['deletePaste']).toBe(true);
  });

  it('serves raw content as nosniff text/plain in a sandbox, with an ETag that answers 304', async () => {
    const { id } = await post('<script>alert(1)</script>');
    const raw = await fetch(`${url}/raw/${id}`);
    expect(raw.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
    expect(raw.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(raw.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const etag = raw.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await fetch(`${url}/raw/${id}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('keeps unlisted pastes out of shared caches', async () => {
    const { id } = await post('unlisted text', '?visibility=unlisted');
    const raw = await fetch(`${url}/raw/${id}`);
    expect(raw.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
  });

  it('does not burn a burn-after-read paste for a link-preview bot, and burns it on the first human read', async () => {
    const { id } = await post('once only', '?burn=1');
    const bot = await fetch(`${url}/raw/${id}`, {
      headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
    });
    expect(bot.status).toBe(404);
    const human = await fetch(`${url}/raw/${id}`, { headers: { 'user-agent': 'curl/8.5.0' } });
    expect(human.status).toBe(200);
    expect(human.headers.get('cache-control')).toBe('private, no-store');
    expect(await human.text()).toBe('once only');
    expect((await fetch(`${url}/raw/${id}`)).status).toBe(404);
  });

  it('answers bad input with a status and a message naming the field', async () => {
    const badExpiry = await post('x', '?expiry=forever');
    expect(badExpiry.res.status).toBe(400);
    expect(badExpiry.text).toMatch(/^error: expiry:/);
    const badUtf8 = await post(Buffer.from([0x68, 0xff, 0xfe, 0x69]));
    expect(badUtf8.res.status).toBe(400);
    expect(badUtf8.text).toMatch(/content/);
    const empty = await post('');
    expect(empty.res.status).toBe(400);
    const tooBig = await post('a'.repeat(1_048_577));
    expect(tooBig.res.status).toBe(413);
    expect(tooBig.text).toContain('1048576');
    expect((await fetch(`${url}/raw/not-an-id!`)).status).toBe(404);
  });

  it('serves /healthz and /readyz, and /metrics with operation counts on the admin port only', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"query Langs { languages { id } }"}',
    });
    for (const path of ['/metrics', '/%6detrics', '/METRICS', '/metrics/'])
      expect((await fetch(`${url}${path}`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${stack.ports.gateway['admin']}/metrics`)).text();
    expect(
      metricValue(metrics, 'graphql_operations_total', { operation: 'Langs', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain('gateway_breaker_state{service="paste-svc"');
  });
});
