// Reads at the gateway's edge have no side effects: only a reveal burns, HEAD and link previews never do, and
// nothing derived from a concealed paste's content leaks before its one reveal.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, gqlOk, metricValue, signUp } from '../support/graphql.js';

const PREVIEW_BOTS = [
  'Mattermost-Bot/1.1',
  'Synapse (bot; +https://github.com/matrix-org/synapse)',
  'Mozilla/5.0 (compatible; Viber/1.0)',
  'Snapchat/12.0 (like Safari/604.1)',
  'Zulip',
  'Rocket.Chat/6.5.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
];

describe.each(STORAGE_MODES)('gateway reads without side effects (%s)', (mode) => {
  let stack: Stack;
  let url: string;
  let admin: string;
  beforeAll(async () => {
    stack = await startStack({
      mode,
      ports: 'random',
      env: { LOG_LEVEL: 'error' },
    });
    url = stack.gatewayUrl;
    admin = `http://127.0.0.1:${stack.ports.gateway['admin']}/metrics`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const burnPaste = async (content: string) =>
    (
      await gqlOk(
        url,
        'mutation($c: String!) { createPaste(input: { content: $c, burnAfterRead: true }) { paste { id } } }',
        { c: content },
      )
    )['createPaste'].paste.id as string;
  const viewsRecorded = async () =>
    metricValue(await (await fetch(admin)).text(), 'analytics_producer_events_received_total');
  const methodCalls = async (method: string) =>
    metricValue(await (await fetch(admin)).text(), 'grpc_client_handled_total', { grpc_method: method });

  it('answers HEAD /raw/:id of a burn-after-read paste without revealing it, counting a view, or naming its hash', async () => {
    const id = await burnPaste('head must not burn');
    const before = await viewsRecorded();
    for (let i = 0; i < 3; i++) {
      const head = await fetch(`${url}/raw/${id}`, { method: 'HEAD', headers: { 'user-agent': 'curl/8.5.0' } });
      expect(head.status).toBe(200);
      expect(head.headers.get('etag')).toBeNull();
      expect(head.headers.get('cache-control')).toBe('private, no-store');
    }
    expect(await viewsRecorded()).toBe(before);
    const get = await fetch(`${url}/raw/${id}`, { headers: { 'user-agent': 'curl/8.5.0' } });
    expect(await get.text()).toBe('head must not burn');
    expect((await fetch(`${url}/raw/${id}`)).status).toBe(404);
  });

  it('never burns a paste for a chat or mail link preview, and reveals it to the person after them', async () => {
    const id = await burnPaste('for a person');
    for (const ua of PREVIEW_BOTS) {
      const res = await fetch(`${url}/raw/${id}`, { headers: { 'user-agent': ua } });
      expect([ua, res.status]).toEqual([ua, 404]);
    }
    expect(
      await (
        await fetch(`${url}/raw/${id}`, {
          headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' },
        })
      ).text(),
    ).toBe('for a person');
  });

  it('hides the size and hash of a concealed paste from queries until revealPaste, which shows them once', async () => {
    const id = await burnPaste('short secret');
    const query =
      'query($id: ID!) { paste(id: $id) { concealed content sizeBytes sha256 versions { sizeBytes sha256 } } }';
    for (let i = 0; i < 3; i++) {
      const { paste } = await gqlOk(url, query, { id });
      expect(paste).toEqual({
        concealed: true,
        content: null,
        sizeBytes: null,
        sha256: null,
        versions: [{ sizeBytes: null, sha256: null }],
      });
    }
    const listed = await gqlOk(url, '{ pastes(first: 50) { edges { node { id sha256 sizeBytes } } } }');
    const mine = listed['pastes'].edges.find((e: { node: { id: string } }) => e.node.id === id);
    expect(mine?.node ?? { sha256: null, sizeBytes: null }).toMatchObject({ sha256: null, sizeBytes: null });
    const revealed = await gqlOk(
      url,
      'mutation($id: ID!) { revealPaste(id: $id) { concealed content sizeBytes sha256 } }',
      { id },
    );
    expect(revealed['revealPaste']).toEqual({
      concealed: false,
      content: 'short secret',
      sizeBytes: 12,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await gqlOk(url, query, { id }))['paste']).toBeNull();
  });

  it('serves an older version at /raw/:id?v=N, names it in url and rawUrl, and reads it in one call', async () => {
    const user = await signUp(url, 'versions');
    const { createPaste } = await gqlOk(
      url,
      'mutation { createPaste(input: { content: "first text" }) { paste { id } } }',
      {},
      user.accessToken,
    );
    const id = createPaste.paste.id as string;
    await gqlOk(
      url,
      'mutation($id: ID!) { updatePaste(input: { id: $id, content: "second text" }) { version } }',
      { id },
      user.accessToken,
    );
    const calls = await methodCalls('GetPaste');
    const { paste } = await gqlOk(
      url,
      'query($id: ID!) { paste(id: $id, version: 1) { version content url rawUrl } }',
      { id },
      user.accessToken,
    );
    expect(paste).toMatchObject({ version: 1, content: 'first text' });
    expect(await methodCalls('GetPaste')).toBe(calls + 1);
    expect(paste.url).toMatch(new RegExp(`/p/${id}\\?v=1$`));
    expect(paste.rawUrl).toMatch(new RegExp(`/raw/${id}\\?v=1$`));
    expect(await (await fetch(`${url}/raw/${id}?v=1`)).text()).toBe('first text');
    expect(await (await fetch(`${url}/raw/${id}?v=2`)).text()).toBe('second text');
    expect(await (await fetch(`${url}/raw/${id}`)).text()).toBe('second text');
    const latest = await gqlOk(url, 'query($id: ID!) { paste(id: $id) { rawUrl } }', { id });
    expect(latest['paste'].rawUrl).toMatch(new RegExp(`/raw/${id}$`));
    const missing = await fetch(`${url}/raw/${id}?v=9`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/^error: version: .*no version 9/);
    const bad = await fetch(`${url}/raw/${id}?v=first`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^error: version: /);
  });

  it('lists the versions of every paste of a page in one call', async () => {
    const user = await signUp(url, 'n-plus-one');
    for (let i = 0; i < 12; i++) {
      const { createPaste } = await gqlOk(
        url,
        `mutation { createPaste(input: { content: "paste ${i}", visibility: UNLISTED }) { paste { id } } }`,
        {},
        user.accessToken,
      );
      await gqlOk(
        url,
        'mutation($id: ID!) { updatePaste(input: { id: $id, content: "again" }) { version } }',
        { id: createPaste.paste.id },
        user.accessToken,
      );
    }
    const [batch, single] = [await methodCalls('BatchListPasteVersions'), await methodCalls('ListPasteVersions')];
    const page = await gqlOk(
      url,
      '{ myPastes(first: 12) { edges { node { id versions { version } } } } }',
      {},
      user.accessToken,
    );
    expect(page['myPastes'].edges).toHaveLength(12);
    for (const edge of page['myPastes'].edges)
      expect(edge.node.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(await methodCalls('BatchListPasteVersions')).toBe(batch + 1);
    expect(await methodCalls('ListPasteVersions')).toBe(single);
  });

  it('answers nine aliased reads of 1 MiB pastes (more than one reply may carry) without opening a breaker', async () => {
    const content = 'x'.repeat(1_000_000);
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      ids.push(
        (
          await gqlOk(url, 'mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }', {
            c: `${i}${content}`,
          })
        )['createPaste'].paste.id,
      );
    }
    // The hot cache would answer these: read through a fresh signed-in loader, which asks paste-svc.
    const user = await signUp(url, 'big-reader');
    const query = `{ ${ids.map((id, i) => `p${i}: paste(id: "${id}") { sizeBytes }`).join(' ')} }`;
    for (let round = 0; round < 11; round++) {
      const res = await gql(url, query, {}, user.accessToken);
      expect(res.errors).toBeUndefined();
      expect(Object.values(res.data!).map((p) => (p as { sizeBytes: number }).sizeBytes)).toEqual(
        Array(9).fill(1_000_001),
      );
    }
    expect(stack.gateway.services.downstream.breakers.paste.opened).toBe(false);
  }, 60_000);
});
