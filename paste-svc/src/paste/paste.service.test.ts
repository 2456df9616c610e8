import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import {
  CreatePasteRequestSchema,
  CreatePasteResponseSchema,
  Expiry,
  GetPasteRequestSchema,
  GetPasteResponseSchema,
  Visibility,
} from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { newPasteId } from './paste-id.js';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';

describe.each(STORAGE_MODES)('paste service (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;
  let bob: string;
  let admin: string;
  const forced: string[] = [];

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_rpc', {}, { newId: () => forced.shift() ?? newPasteId() });
    [alice, bob, admin] = await Promise.all([
      h.issuer.sign('alice'),
      h.issuer.sign('bob'),
      h.issuer.sign('root', ['user', 'admin']),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('creates an anonymous paste with an 11-character id, a delete token, its size and SHA-256', async () => {
    const { paste, deleteToken } = await h.client.createPaste({
      content: bytes('hello world'),
      title: 'greeting',
      language: 'plaintext',
    });
    expect(paste?.id).toMatch(/^[0-9A-Za-z]{11}$/);
    expect(deleteToken.length).toBeGreaterThanOrEqual(40);
    expect(paste).toMatchObject({
      title: 'greeting',
      language: 'plaintext',
      ownerId: '',
      version: 1,
      latestVersion: 1,
      contentIncluded: false,
    });
    expect(paste?.sizeBytes).toBe(11n);
    expect(paste?.sha256).toBe('b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    expect(paste?.visibility).toBe(Visibility.PUBLIC);
  });

  it('reads the content back for anyone, and only metadata when without_content is set', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('read me') });
    const full = await h.client.getPaste({ id: paste!.id });
    expect(text(full.paste?.content)).toBe('read me');
    expect(full.paste?.contentIncluded).toBe(true);
    expect(full.paste?.language).toBe('auto');
    const meta = await h.client.getPaste({ id: paste!.id, withoutContent: true });
    expect(meta.paste?.content.length).toBe(0);
    expect(meta.paste?.contentIncluded).toBe(false);
    expect(meta.paste?.sha256).toBe(full.paste?.sha256);
  });

  it('expires after one week by default and never with EXPIRY_NEVER', async () => {
    const week = await h.client.createPaste({ content: bytes('a') });
    const created = timestampMs(week.paste!.createTime!);
    expect(timestampMs(week.paste!.expireTime!) - created).toBe(7 * 24 * 3600_000);
    const never = await h.client.createPaste({ content: bytes('a'), expiry: Expiry.NEVER });
    expect(never.paste?.expireTime).toBeUndefined();
  });

  it('makes a signed-in caller the owner, with no delete token', async () => {
    const { paste, deleteToken } = await h.client.createPaste({ content: bytes('mine') }, h.as(alice));
    expect(paste?.ownerId).toBe('alice');
    expect(deleteToken).toBe('');
  });

  it('makes a new version on update while earlier versions stay readable and listed newest first', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('v1'), title: 'first', language: 'go' }, h.as(alice));
    const updated = await h.client.updatePaste(
      { id: paste!.id, content: bytes('v2 content'), title: 'second' },
      h.as(alice),
    );
    expect(updated.paste).toMatchObject({ version: 2, latestVersion: 2, title: 'second', language: 'go' });
    expect(text((await h.client.getPaste({ id: paste!.id })).paste?.content)).toBe('v2 content');
    const v1 = await h.client.getPaste({ id: paste!.id, version: 1 });
    expect(v1.paste).toMatchObject({
      version: 1,
      latestVersion: 2,
      title: 'first',
      contentIncluded: true,
      sizeBytes: 2n,
    });
    expect(text(v1.paste?.content)).toBe('v1');
    const { versions } = await h.client.listPasteVersions({ id: paste!.id });
    expect(versions.map((v) => [v.version, v.title, Number(v.sizeBytes)])).toEqual([
      [2, 'second', 10],
      [1, 'first', 2],
    ]);
  });

  it('lets only the owner update: others get PERMISSION_DENIED, anonymous callers UNAUTHENTICATED', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('owned') }, h.as(alice));
    expect((await rejection(h.client.updatePaste({ id: paste!.id, content: bytes('x') }, h.as(bob)))).code).toBe(
      Code.PermissionDenied,
    );
    expect((await rejection(h.client.updatePaste({ id: paste!.id, content: bytes('x') }))).code).toBe(
      Code.Unauthenticated,
    );
    const anon = await h.client.createPaste({ content: bytes('anonymous') });
    expect((await rejection(h.client.updatePaste({ id: anon.paste!.id, content: bytes('x') }, h.as(bob)))).code).toBe(
      Code.PermissionDenied,
    );
    expect((await h.client.listPasteVersions({ id: paste!.id })).versions).toHaveLength(1);
  });

  it("answers NOT_FOUND for someone else's PRIVATE paste on every RPC, and serves it to the owner", async () => {
    const { paste } = await h.client.createPaste(
      { content: bytes('secret'), visibility: Visibility.PRIVATE },
      h.as(alice),
    );
    const id = paste!.id;
    for (const token of [undefined, bob]) {
      for (const call of [
        h.client.getPaste({ id }, h.as(token)),
        h.client.getPaste({ id, withoutContent: true }, h.as(token)),
        h.client.listPasteVersions({ id }, h.as(token)),
        h.client.deletePaste({ id }, h.as(token)),
      ]) {
        const err = await rejection(call);
        expect(err.code).toBe(Code.NotFound);
        expect(errorDetail(err)?.reason).toBe('PASTE_NOT_FOUND');
      }
    }
    expect((await rejection(h.client.updatePaste({ id, content: bytes('x') }, h.as(bob)))).code).toBe(Code.NotFound);
    expect((await h.client.batchGetPastes({ ids: [id] }, h.as(bob))).pastes).toHaveLength(0);
    expect(text((await h.client.getPaste({ id }, h.as(alice))).paste?.content)).toBe('secret');
  });

  it('refuses a forged token with UNAUTHENTICATED, so it cannot read a PRIVATE paste', async () => {
    const { paste } = await h.client.createPaste(
      { content: bytes('secret'), visibility: Visibility.PRIVATE },
      h.as(alice),
    );
    const forged = await h.issuer.forge('alice');
    const err = await rejection(h.client.getPaste({ id: paste!.id }, h.as(forged)));
    expect(err.code).toBe(Code.Unauthenticated);
    expect(errorDetail(err)?.reason).toBe('TOKEN_INVALID');
  });

  it('deletes an anonymous paste with its delete token, and refuses a wrong one', async () => {
    const { paste, deleteToken } = await h.client.createPaste({ content: bytes('temp') });
    const wrong = await rejection(h.client.deletePaste({ id: paste!.id, deleteToken: 'x'.repeat(43) }));
    expect(wrong.code).toBe(Code.PermissionDenied);
    expect(errorDetail(wrong)?.field).toBe('delete_token');
    expect((await rejection(h.client.deletePaste({ id: paste!.id }))).code).toBe(Code.Unauthenticated);
    await h.client.deletePaste({ id: paste!.id, deleteToken });
    expect((await rejection(h.client.getPaste({ id: paste!.id }))).code).toBe(Code.NotFound);
    expect((await rejection(h.client.deletePaste({ id: paste!.id, deleteToken }))).code).toBe(Code.NotFound);
  });

  it('lets the owner and an admin delete, and refuses anyone else', async () => {
    const mine = await h.client.createPaste({ content: bytes('a') }, h.as(alice));
    expect((await rejection(h.client.deletePaste({ id: mine.paste!.id }, h.as(bob)))).code).toBe(Code.PermissionDenied);
    await h.client.deletePaste({ id: mine.paste!.id }, h.as(alice));
    const hidden = await h.client.createPaste({ content: bytes('b'), visibility: Visibility.PRIVATE }, h.as(alice));
    await h.client.deletePaste({ id: hidden.paste!.id }, h.as(admin));
    expect((await rejection(h.client.getPaste({ id: hidden.paste!.id }, h.as(alice)))).code).toBe(Code.NotFound);
  });

  it('batch-reads visible pastes in one call, leaving out missing, malformed and hidden ids', async () => {
    const a = await h.client.createPaste({ content: bytes('A') });
    const b = await h.client.createPaste({ content: bytes('B'), visibility: Visibility.UNLISTED });
    const p = await h.client.createPaste({ content: bytes('P'), visibility: Visibility.PRIVATE }, h.as(alice));
    const burn = await h.client.createPaste({ content: bytes('burn'), burnAfterRead: true });
    const ids = [a.paste!.id, b.paste!.id, p.paste!.id, burn.paste!.id, a.paste!.id, 'Zzzzzzzzzzz', 'bad id'];
    const meta = await h.client.batchGetPastes({ ids }, h.as(bob));
    expect(meta.pastes.map((x) => x.id).sort()).toEqual([a.paste!.id, b.paste!.id, burn.paste!.id].sort());
    expect(meta.pastes.every((x) => !x.contentIncluded)).toBe(true);
    const full = await h.client.batchGetPastes({ ids, withContent: true }, h.as(alice));
    const byId = new Map(full.pastes.map((x) => [x.id, x]));
    expect(text(byId.get(a.paste!.id)?.content)).toBe('A');
    expect(text(byId.get(p.paste!.id)?.content)).toBe('P');
    expect(byId.get(burn.paste!.id)).toMatchObject({
      contentIncluded: false,
      contentConcealed: true,
      sizeBytes: 0n,
      sha256: '',
    });
    expect(text((await h.client.revealPaste({ id: burn.paste!.id })).paste?.content)).toBe('burn');
  });

  it('lists recent PUBLIC pastes only, newest first, paging without gaps or repeats', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await h.client.createPaste({ content: bytes(`public ${i}`) }, h.as(bob))).paste!.id);
    const unlisted = await h.client.createPaste({ content: bytes('u'), visibility: Visibility.UNLISTED });
    const secret = await h.client.createPaste({ content: bytes('s'), visibility: Visibility.PRIVATE }, h.as(bob));
    const seen: string[] = [];
    let pageToken = '';
    do {
      const page = await h.client.listPastes({ pageSize: 2, pageToken });
      expect(page.pastes.length).toBeLessThanOrEqual(2);
      seen.push(...page.pastes.map((p) => p.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(made));
    expect(seen).not.toContain(unlisted.paste!.id);
    expect(seen).not.toContain(secret.paste!.id);
    expect(seen.indexOf(made[4]!)).toBeLessThan(seen.indexOf(made[0]!));
  });

  it("lists all of a user's pastes to that user and only the PUBLIC ones to others", async () => {
    const carol = await h.issuer.sign('carol');
    const vis = [Visibility.PUBLIC, Visibility.UNLISTED, Visibility.PRIVATE];
    for (const visibility of vis) await h.client.createPaste({ content: bytes('c'), visibility }, h.as(carol));
    const own = await h.client.listPastes({ ownerId: 'carol' }, h.as(carol));
    expect(own.pastes.map((p) => p.visibility).sort()).toEqual(vis);
    const other = await h.client.listPastes({ ownerId: 'carol' }, h.as(bob));
    expect(other.pastes.map((p) => p.visibility)).toEqual([Visibility.PUBLIC]);
    const anonymous = await h.client.listPastes({ ownerId: 'carol' });
    expect(anonymous.pastes).toHaveLength(1);
  });

  it('refuses a page token from another listing', async () => {
    for (let i = 0; i < 2; i++) await h.client.createPaste({ content: bytes('d') }, h.as(alice));
    const first = await h.client.listPastes({ ownerId: 'alice', pageSize: 1 }, h.as(alice));
    const err = await rejection(h.client.listPastes({ pageToken: first.nextPageToken }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(errorDetail(err)?.field).toBe('page_token');
  });

  it('lists the accepted languages with auto first', async () => {
    const { languages } = await h.client.listLanguages({});
    expect(languages[0]).toMatchObject({ id: 'auto' });
    expect(languages.map((l) => l.id)).toEqual(
      expect.arrayContaining(['typescript', 'python', 'plaintext', 'go', 'rust']),
    );
  });

  it('draws another id when a generated one is taken, never overwriting the existing paste', async () => {
    const first = await h.client.createPaste({ content: bytes('original') });
    forced.push(first.paste!.id, first.paste!.id);
    const second = await h.client.createPaste({ content: bytes('newcomer') });
    expect(second.paste!.id).not.toBe(first.paste!.id);
    expect(text((await h.client.getPaste({ id: first.paste!.id })).paste?.content)).toBe('original');
    expect(text((await h.client.getPaste({ id: second.paste!.id })).paste?.content)).toBe('newcomer');
  });

  it('stores identical content once, and removes it when its last paste goes', async () => {
    const db = await h.db();
    const content = bytes(`shared ${Math.random()}`);
    const one = await h.client.createPaste({ content }, h.as(alice));
    const two = await h.client.createPaste({ content }, h.as(alice));
    await h.client.updatePaste({ id: one.paste!.id, content: bytes('other'), title: 't' }, h.as(alice));
    await h.client.updatePaste({ id: one.paste!.id, content }, h.as(alice));
    const sha = one.paste!.sha256;
    const rows = () => db.selectFrom('paste_contents').select(['refs']).where('sha256', '=', sha).execute();
    expect(await rows()).toEqual([{ refs: 3 }]);
    await h.client.deletePaste({ id: one.paste!.id }, h.as(alice));
    expect(await rows()).toEqual([{ refs: 1 }]);
    await h.client.deletePaste({ id: two.paste!.id }, h.as(alice));
    expect(await rows()).toEqual([]);
    expect(
      await db.selectFrom('paste_versions').select('version').where('paste_id', '=', one.paste!.id).execute(),
    ).toEqual([]);
  });

  it('records created, updated and deleted events with a UUID, language, visibility and size', async () => {
    const { paste } = await h.client.createPaste(
      { content: bytes('evt'), language: 'rust', visibility: Visibility.UNLISTED },
      h.as(alice),
    );
    await h.client.updatePaste({ id: paste!.id, content: bytes('event!'), visibility: Visibility.PUBLIC }, h.as(alice));
    await h.client.deletePaste({ id: paste!.id }, h.as(alice));
    const mine = h.events.filter((e) => e.pasteId === paste!.id);
    expect(mine.map((e) => [e.kind, e.language, e.visibility, Number(e.sizeBytes)])).toEqual([
      [PasteEventKind.CREATED, 'rust', Visibility.UNLISTED, 3],
      [PasteEventKind.UPDATED, 'rust', Visibility.PUBLIC, 6],
      [PasteEventKind.DELETED, 'rust', Visibility.PUBLIC, 6],
    ]);
    for (const e of mine)
      expect(e.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('creates and reads a paste for a stock grpc-js client', async () => {
    const client = new grpc.Client(`127.0.0.1:${h.ports.grpc}`, grpc.credentials.createInsecure());
    const call = (method: string, body: Uint8Array) =>
      new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest(
          `/pastemesh.paste.v1.PasteService/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from(body),
          (err, value) => (err ? reject(err) : resolve(value!)),
        ),
      );
    try {
      const created = fromBinary(
        CreatePasteResponseSchema,
        await call(
          'CreatePaste',
          toBinary(
            CreatePasteRequestSchema,
            create(CreatePasteRequestSchema, { content: bytes('from grpc-js'), language: 'bash' }),
          ),
        ),
      );
      const read = fromBinary(
        GetPasteResponseSchema,
        await call(
          'GetPaste',
          toBinary(GetPasteRequestSchema, create(GetPasteRequestSchema, { id: created.paste!.id })),
        ),
      );
      expect(text(read.paste?.content)).toBe('from grpc-js');
      expect(read.paste?.language).toBe('bash');
    } finally {
      client.close();
    }
  });
});
