import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { PasteEventKind } from '@pastemesh/gen/analytics';
import { Expiry } from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { STORAGE_MODES, eventually } from '@pastemesh/kit/testing';
import { bytes, rejection, startPasteHarness, type PasteHarness } from '../testing/paste-harness.js';

const TEN_MINUTES = 10 * 60_000;

describe.each(STORAGE_MODES)('expiry and the sweeper (%s)', (mode) => {
  let h: PasteHarness;
  let alice: string;

  beforeAll(async () => {
    h = await startPasteHarness(mode, 'paste_sweep', { SWEEP_BATCH_SIZE: '3', ORPHAN_GRACE_MS: '60000' });
    alice = await h.issuer.sign('alice');
  });
  afterAll(async () => {
    await h.close();
  });

  /** Makes `n` ten-minute pastes owned by alice. */
  const shas = new Map<string, string>();
  async function shortLived(n: number, label: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { paste } = await h.client.createPaste(
        { content: bytes(`${label} ${i} ${Math.random()}`), expiry: Expiry.TEN_MINUTES },
        h.as(alice),
      );
      ids.push(paste!.id);
      shas.set(paste!.id, paste!.sha256);
    }
    return ids;
  }

  it('never serves an expired paste, even before the sweeper has run', async () => {
    const [id] = await shortLived(1, 'expiring');
    h.clock.advance(TEN_MINUTES - 1_000);
    await h.client.getPaste({ id: id! });
    h.clock.advance(1_000);
    const err = await rejection(h.client.getPaste({ id: id! }));
    expect([err.code, errorDetail(err)?.reason]).toEqual([Code.NotFound, 'PASTE_EXPIRED']);
    expect((await rejection(h.client.listPasteVersions({ id: id! }))).code).toBe(Code.NotFound);
    expect((await rejection(h.client.updatePaste({ id: id!, content: bytes('x') }, h.as(alice)))).code).toBe(
      Code.NotFound,
    );
    expect((await h.client.batchGetPastes({ ids: [id!] })).pastes).toHaveLength(0);
    expect((await h.client.listPastes({ ownerId: 'alice' }, h.as(alice))).pastes.map((p) => p.id)).not.toContain(id);
    expect((await h.client.listPastes({ pageSize: 100 })).pastes.map((p) => p.id)).not.toContain(id);
    await h.sweepOnce();
  });

  it('deletes expired pastes and their content in bounded batches, counting them in paste_sweeper_deleted_total', async () => {
    const expired = await shortLived(5, 'sweep');
    const keeper = (await h.client.createPaste({ content: bytes('keeper'), expiry: Expiry.ONE_DAY }, h.as(alice)))
      .paste!.id;
    h.clock.advance(TEN_MINUTES);
    const before = await h.sample('paste_sweeper_deleted_total', { kind: 'paste' });
    expect(await h.sweepOnce()).toMatchObject({ pastes: 3 });
    expect(await h.sweepOnce()).toMatchObject({ pastes: 2 });
    expect(await h.sweepOnce()).toMatchObject({ pastes: 0 });
    expect(await h.sample('paste_sweeper_deleted_total', { kind: 'paste' })).toBe(before + 5);
    const db = await h.db();
    expect(await db.selectFrom('pastes').select('id').where('id', 'in', expired).execute()).toEqual([]);
    expect(await db.selectFrom('paste_versions').select('paste_id').where('paste_id', 'in', expired).execute()).toEqual(
      [],
    );
    const contents = expired.map((id) => shas.get(id)!);
    expect(await db.selectFrom('paste_contents').select('sha256').where('sha256', 'in', contents).execute()).toEqual(
      [],
    );
    await h.client.getPaste({ id: keeper });
    const deleted = h.events.filter((e) => e.kind === PasteEventKind.DELETED && expired.includes(e.pasteId!));
    expect(deleted.map((e) => e.pasteId).sort()).toEqual([...expired].sort());
  });

  it('lets several replicas sweep at once, deleting each expired paste exactly once', async () => {
    const replicas = [h, await h.startNode({ SWEEP_BATCH_SIZE: '3' }), await h.startNode({ SWEEP_BATCH_SIZE: '3' })];
    const expired = await shortLived(8, 'replicas');
    h.clock.advance(TEN_MINUTES);
    let total = 0;
    for (;;) {
      const rounds = await Promise.all(replicas.map((r) => r.ports.sweepOnce()));
      const swept = rounds.reduce((sum, r) => sum + r.pastes, 0);
      if (swept === 0) break;
      total += swept;
    }
    expect(total).toBe(expired.length);
    const events = replicas
      .flatMap((r) => r.events)
      .filter((e) => e.kind === PasteEventKind.DELETED && expired.includes(e.pasteId!));
    expect(events).toHaveLength(expired.length);
  });

  it('removes orphaned content once it is older than the grace period', async () => {
    const db = await h.db();
    const orphan = { sha256: 'f'.repeat(64), content: Buffer.from('orphan'), size_bytes: 6, refs: 1 };
    await db
      .insertInto('paste_contents')
      .values({ ...orphan, touched_at: h.clock.now() })
      .execute();
    expect(await h.sweepOnce()).toMatchObject({ contents: 0 });
    h.clock.advance(60_001);
    const before = await h.sample('paste_sweeper_deleted_total', { kind: 'content' });
    expect(await h.sweepOnce()).toMatchObject({ contents: 1 });
    expect(await h.sample('paste_sweeper_deleted_total', { kind: 'content' })).toBe(before + 1);
  });

  it('rests between transactions by SWEEP_DUTY_CYCLE, and not at all at 1', async () => {
    const gentle = await h.startNode({ SWEEP_BATCH_SIZE: '200', SWEEP_DUTY_CYCLE: '0.5' });
    const flatOut = await h.startNode({ SWEEP_BATCH_SIZE: '200', SWEEP_DUTY_CYCLE: '1' });
    try {
      // 120 pastes: three transactions of 50, 50 and 20, so two pauses.
      await Promise.all(Array.from({ length: 4 }, (_, i) => shortLived(30, `duty ${i}`)));
      h.clock.advance(TEN_MINUTES);
      expect(await gentle.ports.sweepOnce()).toMatchObject({ pastes: 120 });
      expect(await gentle.sample('paste_sweeper_paused_seconds_total')).toBeGreaterThan(0);
      await Promise.all(Array.from({ length: 4 }, (_, i) => shortLived(30, `flat ${i}`)));
      h.clock.advance(TEN_MINUTES);
      expect(await flatOut.ports.sweepOnce()).toMatchObject({ pastes: 120 });
      expect(await flatOut.sample('paste_sweeper_paused_seconds_total')).toBe(0);
    } finally {
      await Promise.all([gentle.stop(), flatOut.stop()]);
    }
  });

  it('refuses a duty cycle outside (0, 1], naming the variable', async () => {
    await expect(h.startNode({ SWEEP_DUTY_CYCLE: '0' })).rejects.toThrow(/SWEEP_DUTY_CYCLE/);
    await expect(h.startNode({ SWEEP_DUTY_CYCLE: '1.5' })).rejects.toThrow(/SWEEP_DUTY_CYCLE/);
  });

  it('runs on its own timer when enabled', async () => {
    const node = await h.startNode({ SWEEP_ENABLED: 'true', SWEEP_INTERVAL_MS: '50' });
    const [id] = await shortLived(1, 'timer');
    h.clock.advance(TEN_MINUTES);
    const db = await h.db();
    const gone = async () => (await db.selectFrom('pastes').select('id').where('id', '=', id!).execute()).length === 0;
    // The timer fires every 50 ms; on a loaded machine a sweep may still take seconds to run and commit.
    await eventually(gone, 20_000, 20);
    await node.stop();
  });
});
