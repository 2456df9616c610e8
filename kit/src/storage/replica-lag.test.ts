import { describe, expect, it } from '@jest/globals';
import { createReplicaLagTracker, gtidCovers, parseGtidPosition, type ReplicaPositions } from './replica-lag.js';

describe('GTID positions', () => {
  it('parse as the highest sequence number per domain, the empty string as nothing', () => {
    expect([...parseGtidPosition('0-1-42,1-2-7')]).toEqual([
      [0, 42],
      [1, 7],
    ]);
    expect(parseGtidPosition('').size).toBe(0);
    expect(() => parseGtidPosition('garbage')).toThrow(/not a GTID position/);
  });

  it('cover a primary position when every domain has reached its sequence number, whoever wrote it', () => {
    const primary = parseGtidPosition('0-1-42,1-1-7');
    expect(gtidCovers(parseGtidPosition('0-2-42,1-1-9'), primary)).toBe(true);
    expect(gtidCovers(parseGtidPosition('0-1-41,1-1-9'), primary)).toBe(false);
    expect(gtidCovers(parseGtidPosition('0-1-42'), primary)).toBe(false);
    expect(gtidCovers(parseGtidPosition(''), parseGtidPosition(''))).toBe(true);
  });
});

describe('createReplicaLagTracker', () => {
  const setUp = () => {
    let time = 1_000;
    let positions: ReplicaPositions | Error = { primary: parseGtidPosition(''), replica: parseGtidPosition('') };
    const tracker = createReplicaLagTracker({
      now: () => time,
      keepMs: 5_000,
      positions: async () => {
        if (positions instanceof Error) throw positions;
        return positions;
      },
    });
    const at = (primary: string, replica: string) =>
      (positions = { primary: parseGtidPosition(primary), replica: parseGtidPosition(replica) });
    return {
      tracker,
      at,
      fail: () => (positions = new Error('down')),
      advance: (ms: number) => (time += ms),
      now: () => time,
    };
  };

  it('knows nothing before its first check', () => {
    const { tracker } = setUp();
    expect(tracker.caughtUpTo()).toBeUndefined();
    expect(tracker.lagMs()).toBe(Infinity);
  });

  it('counts a replica that has everything as current, even when nothing is being written', async () => {
    const { tracker, at, advance, now } = setUp();
    at('0-1-5', '0-1-5');
    await tracker.check();
    expect(tracker.caughtUpTo()).toBe(now());
    advance(300);
    expect(tracker.lagMs()).toBe(300);
    await tracker.check();
    expect(tracker.lagMs()).toBe(0);
  });

  it('dates a lagging replica by the newest primary position it has applied', async () => {
    const { tracker, at, advance } = setUp();
    at('0-1-5', '0-1-5');
    await tracker.check(); // t=1000, caught up
    advance(1_000);
    at('0-1-9', '0-1-5');
    await tracker.check(); // t=2000: behind the sample just taken
    advance(1_000);
    at('0-1-12', '0-1-9');
    await tracker.check(); // t=3000: has what the primary had at 2000, not what it has now
    expect(tracker.caughtUpTo()).toBe(2_000);
    expect(tracker.lagMs()).toBe(1_000);
    advance(1_000);
    at('0-1-12', '0-1-12');
    await tracker.check();
    expect(tracker.lagMs()).toBe(0);
  });

  it('forgets what it knew when a server cannot be read, until a check succeeds again', async () => {
    const { tracker, at, fail, advance } = setUp();
    at('0-1-5', '0-1-5');
    await tracker.check();
    fail();
    await expect(tracker.check()).rejects.toThrow('down');
    expect(tracker.lagMs()).toBe(Infinity);
    advance(10);
    at('0-1-6', '0-1-6');
    await tracker.check();
    expect(tracker.lagMs()).toBe(0);
  });

  it('keeps no sample older than keepMs, so a replica that far behind stays unknown', async () => {
    const { tracker, at, advance } = setUp();
    at('0-1-5', '0-1-1');
    await tracker.check(); // t=1000
    advance(6_000);
    at('0-1-6', '0-1-1');
    await tracker.check(); // t=7000: the sample of t=1000 is dropped
    advance(1_000);
    at('0-1-6', '0-1-5');
    await tracker.check(); // has what the primary had at 1000, which is no longer known
    expect(tracker.caughtUpTo()).toBeUndefined();
    at('0-1-6', '0-1-6');
    await tracker.check();
    expect(tracker.lagMs()).toBe(0);
  });
});
