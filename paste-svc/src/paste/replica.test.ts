import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { Visibility } from '@pastemesh/gen/paste';
import { createTestStorage, startMariadbPair, type MariadbPair } from '@pastemesh/kit/testing';
import {
  bytes,
  rejection,
  startPasteHarness,
  text,
  type PasteHarness,
  type PasteNode,
} from '../testing/paste-harness.js';

// Far longer than a test takes on a loaded machine (at 5 s, CI under load once saw the replica's freshness age out
// mid-test and a read go to the primary); the window's own test moves the clock past it.
const WINDOW_MS = 60_000;

describe('paste-svc reading from a MariaDB read replica', () => {
  let pair: MariadbPair;
  let h: PasteHarness;
  /** A second paste-svc on the same primary, replica and Redis. */
  let b: PasteNode;
  let alice: string;
  let database: string;
  let replicaEnv: Record<string, string>;

  beforeAll(async () => {
    pair = await startMariadbPair({ label: 'paste-replica' });
    process.stdout.write(`MariaDB primary + replica started in ${pair.startMs} ms\n`);
    const storage = await createTestStorage('mysql', 'paste_replica', { mysqlServerUrl: pair.primary.url });
    database = new URL(storage.mysqlUrl!).pathname.slice(1);
    // The server's URL only: paste-svc appends the primary's database name.
    replicaEnv = { MYSQL_REPLICA_URL: pair.replica.url, REPLICA_FRESHNESS_MS: String(WINDOW_MS) };
    h = await startPasteHarness(storage, 'paste_replica', replicaEnv);
    b = await h.startNode(replicaEnv);
    alice = await h.issuer.sign('alice');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await pair?.close();
  });

  /** Everything written so far is on the replica, and both instances know it. */
  async function settle(): Promise<void> {
    await pair.waitForReplica();
    // Twice: a check asked for while the timer's is in flight joins that one, which may have sampled the primary
    // before the last write; the second starts after the first ended, so after every write.
    for (let i = 0; i < 2; i++) await Promise.all([h.ports.checkReplica(), b.ports.checkReplica()]);
  }

  /** Changes a paste's title on the primary without paste-svc: nothing is invalidated, nobody is told. */
  async function retitleBehindItsBack(id: string, title: string): Promise<void> {
    await pair.primary.query(
      `UPDATE \`${database}\`.pastes p JOIN \`${database}\`.paste_versions v
         ON v.paste_id = p.id AND v.version = p.latest_version
       SET p.title = ?, v.title = ? WHERE p.id = ?`,
      [title, title, id],
    );
  }

  /** The title a node reports for a paste, without the cache (BatchGetPastes without content). */
  async function titleOn(node: PasteNode, id: string): Promise<string | undefined> {
    return (await node.client.batchGetPastes({ ids: [id], withContent: false })).pastes[0]?.title;
  }

  const replicaReads = (node: PasteNode) => node.sample('paste_db_reads_total', { database: 'replica' });

  it('reads from the replica: a title changed on the primary behind its back stays unseen while replication is paused', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('r1'), title: 'original' }, h.as(alice));
    const id = paste!.id;
    await settle();
    await pair.pauseReplication();
    try {
      await retitleBehindItsBack(id, 'changed behind its back');
      // A lag check right before the reads: one the timer started that timed out on a loaded machine counts the
      // replica as down, and the reads would rightly go to the primary (CI saw these reads go there once).
      await h.ports.checkReplica();
      const before = await replicaReads(h);
      expect(await titleOn(h, id)).toBe('original');
      const listed = await h.client.listPastes({ ownerId: 'alice' }, h.as(alice));
      expect(listed.pastes.find((p) => p.id === id)?.title).toBe('original');
      expect(await replicaReads(h)).toBe(before + 2);
    } finally {
      await pair.resumeReplication();
    }
    await settle();
    expect(await titleOn(h, id)).toBe('changed behind its back');
  });

  it('reads a paste created while replication is paused at once: by id, in batches, its versions and the listings', async () => {
    await settle();
    await pair.pauseReplication();
    try {
      const { paste } = await h.client.createPaste({ content: bytes('fresh'), title: 'fresh' }, h.as(alice));
      const id = paste!.id;
      expect(await pair.replica.query(`SELECT id FROM \`${database}\`.pastes WHERE id = ?`, [id])).toEqual([]);
      expect(text((await h.client.getPaste({ id })).paste?.content)).toBe('fresh');
      expect((await h.client.batchGetPastes({ ids: [id], withContent: true })).pastes.map((p) => p.id)).toEqual([id]);
      expect((await h.client.listPasteVersions({ id })).versions.map((v) => v.version)).toEqual([1]);
      expect((await h.client.batchListPasteVersions({ ids: [id] })).pastes.map((p) => p.pasteId)).toEqual([id]);
      expect((await h.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes[0]?.id).toBe(id);
      expect((await h.client.listPastes({})).pastes[0]?.id).toBe(id);
    } finally {
      await pair.resumeReplication();
    }
  });

  it('reads an update made while replication is paused at once, and caches the new version, not the replica’s', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('v1'), title: 'v1' }, h.as(alice));
    const id = paste!.id;
    await h.client.getPaste({ id }); // cached
    await settle();
    await pair.pauseReplication();
    try {
      await h.client.updatePaste({ id, content: bytes('v2'), title: 'v2' }, h.as(alice));
      expect(text((await h.client.getPaste({ id })).paste?.content)).toBe('v2');
      expect(text((await h.client.getPaste({ id, version: 2 })).paste?.content)).toBe('v2');
      expect(await titleOn(h, id)).toBe('v2');
      expect((await h.client.listPasteVersions({ id })).versions.map((v) => v.version)).toEqual([2, 1]);
      expect(
        (await h.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes.find((p) => p.id === id)?.title,
      ).toBe('v2');
      // The other instance reads it from the shared cache, which holds the primary's row.
      expect(text((await b.client.getPaste({ id })).paste?.content)).toBe('v2');
    } finally {
      await pair.resumeReplication();
    }
  });

  it('reads on a second instance what the first wrote a moment ago: paste.invalidate and paste.listings mark it there', async () => {
    const { paste: older } = await h.client.createPaste({ content: bytes('o1'), title: 'o1' }, h.as(alice));
    const { paste: doomed } = await h.client.createPaste({ content: bytes('doomed') }, h.as(alice));
    await settle();
    expect(await titleOn(b, older!.id)).toBe('o1');
    await pair.pauseReplication();
    try {
      const { paste } = await h.client.createPaste(
        { content: bytes('made on A'), visibility: Visibility.UNLISTED },
        h.as(alice),
      );
      expect(text((await b.client.getPaste({ id: paste!.id })).paste?.content)).toBe('made on A');
      expect((await b.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes[0]?.id).toBe(paste!.id);

      await h.client.updatePaste({ id: older!.id, content: bytes('o2'), title: 'o2' }, h.as(alice));
      expect(await titleOn(b, older!.id)).toBe('o2');
      expect(text((await b.client.getPaste({ id: older!.id })).paste?.content)).toBe('o2');

      await h.client.deletePaste({ id: doomed!.id }, h.as(alice));
      expect((await rejection(b.client.getPaste({ id: doomed!.id }))).code).toBe(Code.NotFound);
      expect(await titleOn(b, doomed!.id)).toBeUndefined();
    } finally {
      await pair.resumeReplication();
    }
  });

  it('reads from the primary while the replica is further behind than REPLICA_FRESHNESS_MS', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('lag'), title: 'before' }, h.as(alice));
    const id = paste!.id;
    await settle();
    await pair.pauseReplication();
    try {
      await retitleBehindItsBack(id, 'after');
      expect(await titleOn(h, id)).toBe('before'); // within the window: the replica
      h.clock.advance(WINDOW_MS + 1);
      const lagging = await h.sample('paste_db_reads_total', { database: 'primary', reason: 'lagging' });
      expect(await titleOn(h, id)).toBe('after');
      await h.ports.checkReplica(); // still paused: what the primary has now is not on the replica
      expect(await h.sample('paste_replica_lag_seconds')).toBeGreaterThan(WINDOW_MS / 1000);
      expect(await titleOn(h, id)).toBe('after');
      expect(await h.sample('paste_db_reads_total', { database: 'primary', reason: 'lagging' })).toBe(lagging + 2);
    } finally {
      await pair.resumeReplication();
    }
    await settle();
    const before = await replicaReads(h);
    expect(await titleOn(h, id)).toBe('after');
    expect(await replicaReads(h)).toBe(before + 1);
  });

  it('reads from the primary while the replica is down, stays ready, starts without it, and goes back to it', async () => {
    const { paste } = await h.client.createPaste({ content: bytes('down'), title: 'down' }, h.as(alice));
    const id = paste!.id;
    await settle();
    await pair.stopReplica();
    try {
      // The first read meets the dead connection (no check has noticed yet) and is answered by the primary.
      expect(await titleOn(h, id)).toBe('down');
      expect(text((await h.client.getPaste({ id })).paste?.content)).toBe('down');
      expect((await h.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes.length).toBeGreaterThan(0);
      await h.ports.checkReplica();
      const down = await h.sample('paste_db_reads_total', { database: 'primary', reason: 'down' });
      expect(await titleOn(h, id)).toBe('down');
      expect(await h.sample('paste_db_reads_total', { database: 'primary', reason: 'down' })).toBe(down + 1);
      expect((await fetch(`http://127.0.0.1:${h.ports.admin}/readyz`)).status).toBe(200);

      const late = await h.startNode(replicaEnv);
      try {
        expect(await titleOn(late, id)).toBe('down');
        expect((await fetch(`http://127.0.0.1:${late.ports.admin}/readyz`)).status).toBe(200);
      } finally {
        await late.stop();
      }
    } finally {
      await pair.startReplica();
    }
    await settle();
    const before = await replicaReads(h);
    expect(await titleOn(h, id)).toBe('down');
    expect(await replicaReads(h)).toBe(before + 1);
  });
});
