import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import { CreatePasteResponseSchema, PasteSchema, type PasteService } from '@pastemesh/gen/paste';
import { createTracing } from '@pastemesh/kit/observability';
import { Reason, appError, contextFromHeaders } from '@pastemesh/kit/rpc';
import { MAX_BATCH_CREATES } from '@pastemesh/paste-svc/client';
import type { Caller } from '../request/caller.js';
import { createPasteCreator, type CreateRequest } from './paste.creator.js';

// The batching and its fallbacks, against a stand-in for paste-svc's client that records the calls (what
// CreatePastes stores, and that a batch is one transaction, paste-svc's own tests check against the databases;
// tests/gateway/plain-http.test.ts sends concurrent creates through the real mesh).

interface Call {
  method: 'createPaste' | 'createPastes';
  titles: string[];
  authorization: string | undefined;
}

function standIn(fail?: (titles: string[]) => Error | undefined) {
  const calls: Call[] = [];
  const answer = (title: string) => create(CreatePasteResponseSchema, { paste: create(PasteSchema, { title }) });
  const authorization = (options: { headers?: Record<string, string> } | undefined) =>
    options?.headers?.['authorization'];
  const client = {
    async createPaste(req: CreateRequest, options?: { headers?: Record<string, string> }) {
      calls.push({ method: 'createPaste', titles: [req.title ?? ''], authorization: authorization(options) });
      const err = fail?.([req.title ?? '']);
      if (err) throw err;
      return answer(req.title ?? '');
    },
    async createPastes(req: { pastes: CreateRequest[] }, options?: { headers?: Record<string, string> }) {
      const titles = req.pastes.map((p) => p.title ?? '');
      calls.push({ method: 'createPastes', titles, authorization: authorization(options) });
      const err = fail?.(titles);
      if (err) throw err;
      return { pastes: titles.map(answer) };
    },
  };
  return { calls, client: client as unknown as Client<typeof PasteService> };
}

const tracing = createTracing('gateway-test', { OTEL_SDK_DISABLED: true });
const caller = (token?: string): Caller => ({
  trace: contextFromHeaders(() => undefined),
  ip: '127.0.0.1',
  userAgent: '',
  referrerHost: '',
  principal: undefined,
  token,
});
const request = (title: string, bytes = 1): CreateRequest => ({ title, content: new Uint8Array(bytes) });

describe('createPasteCreator', () => {
  it('sends the creates of one turn as one CreatePastes per credential, answering each its own', async () => {
    const { calls, client } = standIn();
    const creator = createPasteCreator(client, tracing);
    const answers = await Promise.all([
      creator.create(request('a'), caller()),
      creator.create(request('b'), caller('alice-token')),
      creator.create(request('c'), caller()),
      creator.create(request('d'), caller('alice-token')),
    ]);
    expect(answers.map((a) => a.paste?.title)).toEqual(['a', 'b', 'c', 'd']);
    expect(calls).toEqual([
      { method: 'createPastes', titles: ['a', 'c'], authorization: undefined },
      { method: 'createPastes', titles: ['b', 'd'], authorization: 'Bearer alice-token' },
    ]);
  });

  it('sends a create alone as CreatePaste, and creates of later turns in calls of their own', async () => {
    const { calls, client } = standIn();
    const creator = createPasteCreator(client, tracing);
    expect((await creator.create(request('alone'), caller())).paste?.title).toBe('alone');
    await creator.create(request('later'), caller());
    expect(calls.map((c) => [c.method, c.titles])).toEqual([
      ['createPaste', ['alone']],
      ['createPaste', ['later']],
    ]);
  });

  it('keeps a batch within CreatePastes bounds: count and content bytes', async () => {
    const { calls, client } = standIn();
    const creator = createPasteCreator(client, tracing);
    await Promise.all(
      Array.from({ length: MAX_BATCH_CREATES + 3 }, (_, i) => creator.create(request(`n${i}`), caller())),
    );
    expect(calls.map((c) => c.titles.length)).toEqual([MAX_BATCH_CREATES, 3]);
    calls.length = 0;
    // Three of 1.5 MiB: two fit in 4 MiB, the third goes in the next call (alone: CreatePaste).
    const big = 1.5 * 1024 * 1024;
    await Promise.all(['x', 'y', 'z'].map((t) => creator.create(request(t, big), caller())));
    expect(calls.map((c) => [c.method, c.titles])).toEqual([
      ['createPastes', ['x', 'y']],
      ['createPaste', ['z']],
    ]);
  });

  it('sends each create alone when the batch met a check, so only the bad one fails, naming its field', async () => {
    const badTitle = appError(Code.InvalidArgument, Reason.INVALID_ARGUMENT, 'title: too long', { field: 'title' });
    const { calls, client } = standIn((titles) => (titles.includes('bad') ? badTitle : undefined));
    const creator = createPasteCreator(client, tracing);
    const results = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((t) => creator.create(request(t), caller())));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(badTitle);
    expect(calls.map((c) => c.method)).toEqual(['createPastes', 'createPaste', 'createPaste', 'createPaste']);
  });

  it('sends each alone to a paste-svc that does not know CreatePastes yet (a rolling upgrade)', async () => {
    const { calls, client } = standIn((titles) =>
      titles.length > 1 ? new ConnectError('unknown method', Code.Unimplemented) : undefined,
    );
    const creator = createPasteCreator(client, tracing);
    const answers = await Promise.all(['p', 'q'].map((t) => creator.create(request(t), caller())));
    expect(answers.map((a) => a.paste?.title)).toEqual(['p', 'q']);
    expect(calls.map((c) => c.method)).toEqual(['createPastes', 'createPaste', 'createPaste']);
  });

  it('fails every create of a batch that may have been stored (unavailable, deadline) without sending it again', async () => {
    const down = new ConnectError('paste-svc is unavailable', Code.Unavailable);
    const { calls, client } = standIn(() => down);
    const creator = createPasteCreator(client, tracing);
    const results = await Promise.allSettled(['r', 's', 't'].map((t) => creator.create(request(t), caller())));
    expect(results.map((r) => (r as PromiseRejectedResult).reason)).toEqual([down, down, down]);
    expect(calls).toHaveLength(1);
  });

  it('fails every create of a batch whose answer does not match it, never handing one request another paste', async () => {
    const { client } = standIn();
    const short = client as unknown as { createPastes: (req: { pastes: CreateRequest[] }) => Promise<unknown> };
    const original = short.createPastes;
    short.createPastes = async (req) => {
      const res = (await original(req)) as { pastes: unknown[] };
      return { pastes: res.pastes.slice(1) };
    };
    const creator = createPasteCreator(client, tracing);
    const results = await Promise.allSettled(['u', 'v'].map((t) => creator.create(request(t), caller())));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(((results[0] as PromiseRejectedResult).reason as ConnectError).code).toBe(Code.Internal);
  });
});
