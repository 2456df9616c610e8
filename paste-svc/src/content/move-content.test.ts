import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { bytes, startPasteHarness, text, type PasteHarness } from '../testing/paste-harness.js';
import { startTestS3, type TestS3 } from '../testing/s3.js';
import { contentKey, createContentStore, parseContentStore, type ContentStore } from './content-store.js';
import { moveContent } from './move-content.js';

// Moving existing content table → S3 → files → table with paste-svc serving reads and writes between moves,
// an interrupted move resumed, and every paste's content the same at the end.

describe.each(STORAGE_MODES)('moving content between places (%s)', (mode) => {
  let s3: TestS3;
  let dir: string;
  let h: PasteHarness;
  let s3Store: ContentStore;
  let fileStore: ContentStore;
  const pastes = new Map<string, string>();

  beforeAll(async () => {
    s3 = await startTestS3(`move${mode}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-move-'));
    h = await startPasteHarness(mode, 'paste_move');
    s3Store = createContentStore(parseContentStore(s3.env['CONTENT_STORE']!), {
      ...s3.env,
      S3_FORCE_PATH_STYLE: true,
    })!;
    fileStore = createContentStore(parseContentStore(pathToFileURL(dir).href))!;
  }, 60_000);
  afterAll(async () => {
    s3Store?.close();
    await h?.close();
    await s3?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const createSome = async (n: number, label: string) => {
    for (let i = 0; i < n; i++) {
      const content = `${label} ${i} ${Math.random()}`;
      const { paste } = await h.client.createPaste({ content: bytes(content) });
      pastes.set(paste!.id, content);
    }
  };
  const readAll = async (node: Pick<PasteHarness, 'client'> = h) => {
    for (const [id, content] of pastes) expect(text((await node.client.getPaste({ id })).paste?.content)).toBe(content);
  };
  const places = async () =>
    (await h.db())
      .selectFrom('paste_contents')
      .select(['stored_in', (eb) => eb.fn.countAll().as('n')])
      .groupBy('stored_in')
      .execute();

  it('moves table → S3 (resuming after an interruption) → files → table, serving throughout', async () => {
    await createSome(12, 'before');
    // To S3, with paste-svc writing there meanwhile; interrupted after the first batch, then run again.
    const onS3 = await h.startNode({ ...s3.env });
    let batches = 0;
    await expect(
      moveContent({
        db: await h.db(),
        from: { kind: 'database' },
        to: { kind: 'store', store: s3Store },
        batchSize: 5,
        onProgress: () => {
          if (++batches === 1) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    await readAll(onS3);
    await createSome(3, 'during');
    const progress: [number, number][] = [];
    const first = await moveContent({
      db: await h.db(),
      from: { kind: 'database' },
      to: { kind: 'store', store: s3Store },
      batchSize: 5,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(first.moved).toBe(first.total);
    expect(progress.at(-1)).toEqual([first.total, first.total]);
    expect(await places()).toEqual([{ stored_in: 'store', n: expect.anything() }]);
    for (const content of pastes.values())
      expect(text(await s3Store.get(contentKey(Buffer.from(content))))).toBe(content);
    await readAll(onS3);

    // S3 → files, store to store: rows stay `store`; a node on files reads what is not there yet from S3.
    const stateFile = path.join(dir, 'move.state.json');
    const onFiles = await h.startNode({
      ...s3.env,
      CONTENT_STORE: pathToFileURL(dir).href,
      CONTENT_STORE_PREVIOUS: s3.env['CONTENT_STORE']!,
    });
    await readAll(onFiles);
    let copied = 0;
    await expect(
      moveContent({
        db: await h.db(),
        from: { kind: 'store', store: s3Store },
        to: { kind: 'store', store: fileStore },
        batchSize: 4,
        stateFile,
        onProgress: () => {
          if (++copied === 2) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8')).after).toMatch(/^[0-9a-f]{64}$/);
    const second = await moveContent({
      db: await h.db(),
      from: { kind: 'store', store: s3Store },
      to: { kind: 'store', store: fileStore },
      batchSize: 4,
      stateFile,
    });
    expect(second.moved).toBe(second.total);
    expect(fs.existsSync(stateFile)).toBe(false);
    for (const content of pastes.values())
      expect(text(await fileStore.get(contentKey(Buffer.from(content))))).toBe(content);
    await readAll(onFiles);

    // Files → table: every row holds its bytes again; a node with no store reads them all.
    const third = await moveContent({
      db: await h.db(),
      from: { kind: 'store', store: fileStore },
      to: { kind: 'database' },
    });
    expect(third.moved).toBe(third.total);
    expect(await places()).toEqual([{ stored_in: 'database', n: expect.anything() }]);
    const plain = await h.startNode();
    await readAll(plain);
  }, 120_000);
});
