import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { startStack, type Stack } from '../../scripts/stack.js';
import { gql, gqlOk, signUp } from '../support/graphql.js';

const PASTE_FIELDS =
  'id title content language visibility createdAt updatedAt expiresAt burnAfterRead sizeBytes sha256 version latestVersion url rawUrl';

describe.each(STORAGE_MODES)('gateway paste flows (%s)', (mode) => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      mode,
      ports: 'random',
      env: { LOG_LEVEL: 'warn' },
    });
    url = stack.gatewayUrl;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates an anonymous paste, reads it back, and deletes it with the delete token', async () => {
    const created = await gqlOk(
      url,
      `mutation($input: CreatePasteInput!) { createPaste(input: $input) { deleteToken paste { ${PASTE_FIELDS} } } }`,
      {
        input: { content: 'hello 🌍\nsecond line', title: 'greeting', language: 'plaintext', expiry: 'ONE_DAY' },
      },
    );
    const paste = created['createPaste'].paste;
    expect(paste.id).toMatch(/^[0-9A-Za-z]{11}$/);
    expect(created['createPaste'].deleteToken).toEqual(expect.any(String));
    expect(paste.sizeBytes).toBe(Buffer.byteLength('hello 🌍\nsecond line'));
    expect(paste.rawUrl).toMatch(new RegExp(`/raw/${paste.id}$`));
    expect(new Date(paste.expiresAt).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);

    const read = await gqlOk(url, `query($id: ID!) { paste(id: $id) { id title content visibility author { id } } }`, {
      id: paste.id,
    });
    expect(read['paste']).toEqual({
      id: paste.id,
      title: 'greeting',
      content: 'hello 🌍\nsecond line',
      visibility: 'PUBLIC',
      author: null,
    });

    const wrong = await gql(url, `mutation($id: ID!) { deletePaste(id: $id, deleteToken: "not-the-token") }`, {
      id: paste.id,
    });
    expect(wrong.errors?.[0]?.extensions?.['code']).toMatch(/FORBIDDEN|UNAUTHENTICATED|NOT_FOUND/);
    await gqlOk(url, `mutation($id: ID!, $t: String) { deletePaste(id: $id, deleteToken: $t) }`, {
      id: paste.id,
      t: created['createPaste'].deleteToken,
    });
    const gone = await gqlOk(url, `query($id: ID!) { paste(id: $id) { id content } }`, { id: paste.id });
    expect(gone['paste']).toBeNull();
  });

  it('keeps earlier versions readable after the owner updates a paste', async () => {
    const owner = await signUp(url, 'versions');
    const created = await gqlOk(
      url,
      `mutation { createPaste(input: { content: "v1 text", title: "doc" }) { paste { id version } } }`,
      {},
      owner.accessToken,
    );
    const id = created['createPaste'].paste.id;
    const updated = await gqlOk(
      url,
      `mutation($id: ID!) { updatePaste(input: { id: $id, content: "v2 text" }) { version latestVersion content } }`,
      { id },
      owner.accessToken,
    );
    expect(updated['updatePaste']).toMatchObject({ version: 2, latestVersion: 2 });
    const latest = await gqlOk(
      url,
      `query($id: ID!) { paste(id: $id) { content version versions { version sizeBytes } author { id } } }`,
      { id },
    );
    expect(latest['paste'].content).toBe('v2 text');
    expect(latest['paste'].versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(latest['paste'].author.id).toBe(owner.userId);
    const first = await gqlOk(url, `query($id: ID!) { paste(id: $id, version: 1) { content version } }`, { id });
    expect(first['paste']).toEqual({ content: 'v1 text', version: 1 });

    const stranger = await signUp(url, 'stranger');
    const denied = await gql(
      url,
      `mutation($id: ID!) { updatePaste(input: { id: $id, content: "hijack" }) { version } }`,
      { id },
      stranger.accessToken,
    );
    expect(denied.errors?.[0]?.extensions?.['code']).toMatch(/FORBIDDEN|NOT_FOUND/);
    const anonymous = await gql(
      url,
      `mutation($id: ID!) { updatePaste(input: { id: $id, content: "anon" }) { version } }`,
      { id },
    );
    expect(anonymous.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('shows a private paste to its owner only, and lists it in myPastes', async () => {
    const owner = await signUp(url, 'private');
    const created = await gqlOk(
      url,
      `mutation { createPaste(input: { content: "secret", visibility: PRIVATE }) { paste { id } } }`,
      {},
      owner.accessToken,
    );
    const id = created['createPaste'].paste.id;
    expect(
      (await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }, owner.accessToken))['paste'].content,
    ).toBe('secret');
    expect((await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }))['paste']).toBeNull();
    const other = await signUp(url, 'other');
    expect(
      (await gqlOk(url, `query($id: ID!) { paste(id: $id) { content } }`, { id }, other.accessToken))['paste'],
    ).toBeNull();
    const mine = await gqlOk(
      url,
      `{ myPastes(first: 10) { edges { node { id visibility } } pageInfo { hasNextPage } } }`,
      {},
      owner.accessToken,
    );
    expect(mine['myPastes'].edges).toEqual([{ node: { id, visibility: 'PRIVATE' } }]);
    const notSignedIn = await gql(url, `{ myPastes { edges { node { id } } } }`);
    expect(notSignedIn.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });

  it('lists public pastes newest first with working pagination, never unlisted or private ones', async () => {
    const author = await signUp(url, 'lister');
    const ids: string[] = [];
    for (const visibility of ['PUBLIC', 'UNLISTED', 'PUBLIC', 'PRIVATE', 'PUBLIC']) {
      const r = await gqlOk(
        url,
        `mutation($v: Visibility) { createPaste(input: { content: "list me", visibility: $v }) { paste { id visibility } } }`,
        { v: visibility },
        author.accessToken,
      );
      ids.push(r['createPaste'].paste.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r: Record<string, any> = await gqlOk(
        url,
        `query($after: String) { pastes(first: 2, after: $after) { edges { node { id visibility } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      for (const e of r['pastes'].edges) {
        expect(e.node.visibility).toBe('PUBLIC');
        seen.push(e.node.id);
      }
      if (!r['pastes'].pageInfo.hasNextPage) break;
      after = r['pastes'].pageInfo.endCursor;
    }
    const mineSeen = seen.filter((id) => ids.includes(id));
    expect(mineSeen).toEqual([ids[4], ids[2], ids[0]]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('never burns a burn-after-read paste through a query; revealPaste reads it once', async () => {
    const created = await gqlOk(
      url,
      `mutation { createPaste(input: { content: "read me once", burnAfterRead: true }) { paste { id } } }`,
    );
    const id = created['createPaste'].paste.id;
    for (let i = 0; i < 2; i++) {
      const peek = await gqlOk(url, `query($id: ID!) { paste(id: $id) { id burnAfterRead content } }`, { id });
      expect(peek['paste']).toEqual({ id, burnAfterRead: true, content: null });
    }
    const revealed = await gqlOk(url, `mutation($id: ID!) { revealPaste(id: $id) { content } }`, { id });
    expect(revealed['revealPaste'].content).toBe('read me once');
    expect(
      (await gqlOk(url, `mutation($id: ID!) { revealPaste(id: $id) { content } }`, { id }))['revealPaste'],
    ).toBeNull();
    expect((await gqlOk(url, `query($id: ID!) { paste(id: $id) { id } }`, { id }))['paste']).toBeNull();
  });

  it('answers languages and rejects an unknown one naming the field', async () => {
    const langs = await gqlOk(url, `{ languages { id name } }`);
    expect(langs['languages'].length).toBeGreaterThan(10);
    expect(langs['languages'].map((l: { id: string }) => l.id)).toContain('python');
    const bad = await gql(
      url,
      `mutation { createPaste(input: { content: "x", language: "klingon" }) { paste { id } } }`,
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'language' });
  });

  it('rejects empty and oversized content with the field and the limit in bytes', async () => {
    const empty = await gql(url, `mutation { createPaste(input: { content: "" }) { paste { id } } }`);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
    const big = await gql(url, `mutation($c: String!) { createPaste(input: { content: $c }) { paste { id } } }`, {
      c: 'a'.repeat(1_048_577),
    });
    expect(big.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CONTENT_TOO_LARGE',
      field: 'content',
      limit: 1_048_576,
    });
    expect(big.errors?.[0]?.message).toContain('1048576');
    const atLimit = await gqlOk(
      url,
      `mutation($c: String!) { createPaste(input: { content: $c }) { paste { sizeBytes } } }`,
      { c: 'a'.repeat(1_048_576) },
    );
    expect(atLimit['createPaste'].paste.sizeBytes).toBe(1_048_576);
  });
});
