import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bytes, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';
import { startTestS3, type TestS3 } from '../testing/s3.js';

// On MariaDB a create is one compound statement (paste-insert.repository.ts); these pin that it is, with the
// content in the table and in an object store. What it stores, and what a taken id or a tombstone does, the
// service's own suites check on both storage set-ups.

describe.each(['database', 'store'] as const)('a create on MariaDB, content in the %s', (location) => {
  let s3: TestS3 | undefined;
  let h: PasteHarness;
  const statements = (operation: string) => h.sample('db_query_duration_seconds_count', { operation });

  beforeAll(async () => {
    s3 = location === 'store' ? await startTestS3('insertonce') : undefined;
    h = await startPasteHarness('mysql', `paste_insert_${location}`, s3?.env ?? {});
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await s3?.cleanup();
  });

  it('is one round trip to the database, its own transaction', async () => {
    const operations = ['begin', 'set', 'insert', 'select', 'update', 'commit'];
    const before = await Promise.all(operations.map(statements));
    const content = `one round trip ${location} ${Math.random()}`;
    const { paste } = await h.client.createPaste({ content: bytes(content), title: 'once' });
    const after = await Promise.all(operations.map(statements));
    expect(Object.fromEntries(operations.map((op, i) => [op, after[i]! - before[i]!]))).toEqual({
      begin: 1,
      set: 0,
      insert: 0,
      select: 0,
      update: 0,
      commit: 0,
    });
    const read = await h.client.getPaste({ id: paste!.id });
    expect(read.paste).toMatchObject({ title: 'once', version: 1, latestVersion: 1 });
    expect(text(read.paste?.content)).toBe(content);
  });

  it('stores a batch (CreatePastes) in one round trip too', async () => {
    const operations = ['begin', 'set', 'insert', 'select', 'update', 'commit'];
    const before = await Promise.all(operations.map(statements));
    const contents = [1, 2, 3].map((i) => `batch ${i} ${location} ${Math.random()}`);
    const { pastes } = await h.client.createPastes({ pastes: contents.map((c) => ({ content: bytes(c) })) });
    const after = await Promise.all(operations.map(statements));
    expect(after.map((n, i) => n - before[i]!)).toEqual([1, 0, 0, 0, 0, 0]);
    for (const [i, p] of pastes.entries()) {
      expect(text((await h.client.getPaste({ id: p.paste!.id })).paste?.content)).toBe(contents[i]);
    }
  });
});
