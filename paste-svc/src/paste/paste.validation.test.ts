import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { Expiry, Visibility } from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';

const MIB = 1_048_576;

describe.each(STORAGE_MODES)('paste input checks (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;
  let existing: string;

  /** Rows in every table, to prove a refused call stored nothing. */
  async function counts() {
    const db = await h.db();
    const count = async (table: 'pastes' | 'paste_versions' | 'paste_contents') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      pastes: await count('pastes'),
      versions: await count('paste_versions'),
      contents: await count('paste_contents'),
    };
  }

  /** Expects INVALID_ARGUMENT naming `field` (in the detail and the message), and no stored change. */
  async function expectRefused(call: () => Promise<unknown>, field: string, code = Code.InvalidArgument) {
    const before = await counts();
    const err = await rejection(call());
    expect(err.code).toBe(code);
    expect(errorDetail(err)?.field).toBe(field);
    expect(err.rawMessage).toContain(field);
    expect(await counts()).toEqual(before);
    return err;
  }

  beforeAll(async () => {
    // Operators may narrow expiries: here nothing longer than a week.
    h = await startPasteHarness(mode, 'paste_input', { MAX_EXPIRY: '1w' });
    alice = await h.issuer.sign('alice');
    existing = (await h.client.createPaste({ content: bytes('existing') }, h.as(alice))).paste!.id;
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses empty content', async () => {
    await expectRefused(() => h.client.createPaste({ content: new Uint8Array() }), 'content');
  });

  it('refuses content one byte over 1 MiB, naming the limit in bytes', async () => {
    const err = await expectRefused(
      () => h.client.createPaste({ content: new Uint8Array(MIB + 1).fill(0x61) }),
      'content',
    );
    expect(err.rawMessage).toBe(`content: at most ${MIB} bytes (got ${MIB + 1})`);
    expect(errorDetail(err)).toMatchObject({ reason: 'CONTENT_TOO_LARGE', limit: BigInt(MIB) });
  });

  it('stores and serves content of exactly 1 MiB', async () => {
    const content = new Uint8Array(MIB).fill(0x7a);
    const { paste } = await h.client.createPaste({ content });
    const read = await h.client.getPaste({ id: paste!.id });
    expect(read.paste?.content.length).toBe(MIB);
    expect(read.paste?.sizeBytes).toBe(BigInt(MIB));
  });

  it('refuses content that is not valid UTF-8', async () => {
    await expectRefused(() => h.client.createPaste({ content: new Uint8Array([0x68, 0xc3, 0x28]) }), 'content');
  });

  it('refuses an unknown language', async () => {
    await expectRefused(() => h.client.createPaste({ content: bytes('x'), language: 'klingon' }), 'language');
  });

  it('refuses an expiry outside the allowed set, and accepts one inside it', async () => {
    const err = await expectRefused(
      () => h.client.createPaste({ content: bytes('x'), expiry: Expiry.ONE_YEAR }),
      'expiry',
    );
    expect(err.rawMessage).toContain('ONE_WEEK');
    await expectRefused(() => h.client.createPaste({ content: bytes('x'), expiry: 42 as Expiry }), 'expiry');
    const ok = await h.client.createPaste({ content: bytes('x'), expiry: Expiry.TEN_MINUTES });
    expect(ok.paste?.expireTime).toBeDefined();
  });

  it('refuses a title over 200 characters, counting characters rather than bytes', async () => {
    await expectRefused(() => h.client.createPaste({ content: bytes('x'), title: 'a'.repeat(201) }), 'title');
    const emoji = '🦀'.repeat(200);
    const { paste } = await h.client.createPaste({ content: bytes('x'), title: emoji });
    expect((await h.client.getPaste({ id: paste!.id })).paste?.title).toBe(emoji);
  });

  it('refuses a malformed id on every RPC that takes one', async () => {
    for (const id of ['', 'short', 'has space!!', 'x'.repeat(12)]) {
      await expectRefused(() => h.client.getPaste({ id }), 'id');
      await expectRefused(() => h.client.revealPaste({ id }), 'id');
      await expectRefused(() => h.client.listPasteVersions({ id }), 'id');
      await expectRefused(() => h.client.deletePaste({ id }, h.as(alice)), 'id');
      await expectRefused(() => h.client.updatePaste({ id, content: bytes('x') }, h.as(alice)), 'id');
    }
  });

  it('answers VERSION_NOT_FOUND for a version that does not exist', async () => {
    const err = await expectRefused(() => h.client.getPaste({ id: existing, version: 7 }), 'version', Code.NotFound);
    expect(errorDetail(err)?.reason).toBe('VERSION_NOT_FOUND');
    await expectRefused(() => h.client.getPaste({ id: existing, version: -1 }), 'version');
  });

  it('refuses PRIVATE from an anonymous caller', async () => {
    await expectRefused(
      () => h.client.createPaste({ content: bytes('x'), visibility: Visibility.PRIVATE }),
      'visibility',
    );
    await expectRefused(() => h.client.createPaste({ content: bytes('x'), visibility: 9 as Visibility }), 'visibility');
  });

  it('refuses a bad update without making a version', async () => {
    await expectRefused(
      () => h.client.updatePaste({ id: existing, content: new Uint8Array() }, h.as(alice)),
      'content',
    );
    await expectRefused(
      () => h.client.updatePaste({ id: existing, content: bytes('x'), language: 'cobol++' }, h.as(alice)),
      'language',
    );
    await expectRefused(
      () => h.client.updatePaste({ id: existing, content: bytes('x'), title: 'b'.repeat(201) }, h.as(alice)),
      'title',
    );
    expect(text((await h.client.getPaste({ id: existing })).paste?.content)).toBe('existing');
  });

  it('refuses a delete token over 128 characters and an owner id over 64, naming the limit and the length received', async () => {
    const token = await expectRefused(
      () => h.client.deletePaste({ id: existing, deleteToken: 't'.repeat(129) }),
      'delete_token',
    );
    expect(token.rawMessage).toBe('delete_token: at most 128 characters (got 129)');
    expect(errorDetail(token)?.limit).toBe(128n);
    const owner = await expectRefused(() => h.client.listPastes({ ownerId: 'o'.repeat(65) }), 'owner_id');
    expect(owner.rawMessage).toBe('owner_id: at most 64 characters (got 65)');
    expect(errorDetail(owner)?.limit).toBe(64n);
  });

  it('refuses page sizes over 100 and batches over 500 ids', async () => {
    await expectRefused(() => h.client.listPastes({ pageSize: 101 }), 'page_size');
    await expectRefused(() => h.client.listPastes({ pageToken: 'garbage' }), 'page_token');
    await expectRefused(() => h.client.batchGetPastes({ ids: Array.from({ length: 501 }, () => existing) }), 'ids');
  });

  it('refuses BatchListPasteVersions with more than 100 ids, naming the field, the limit and the count', async () => {
    const err = await expectRefused(
      () => h.client.batchListPasteVersions({ ids: Array.from({ length: 101 }, () => existing) }),
      'ids',
    );
    expect(err.rawMessage).toBe('ids: at most 100 (got 101)');
    expect(errorDetail(err)?.limit).toBe(100n);
    const hundred = await h.client.batchListPasteVersions({ ids: Array.from({ length: 100 }, () => existing) });
    expect(hundred.pastes.map((p) => p.pasteId)).toEqual([existing]);
  });
});
