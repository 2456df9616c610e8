import { describe, expect, it } from '@jest/globals';
import { STORAGE_MODES } from '@pastemesh/kit/testing';
import { runOutageScenario } from './testing/outage-scenario.js';

// `npm test` runs a short drill; the fault suite runs the 30 s / 5,000 reads with OUTAGE_MS=30000.
const OUTAGE_MS = Number(process.env['OUTAGE_MS'] ?? 3_000);
const OUTAGE_READS = Number(process.env['OUTAGE_READS'] ?? 5_000);
const CONVERGE_WITHIN_MS = Number(process.env['OUTAGE_CONVERGE_MS'] ?? 30_000);
// The producer's breaker reset timeout; production's default is 5,000 ms.
const RESET_TIMEOUT_MS = Number(process.env['OUTAGE_RESET_MS'] ?? 1_000);

describe.each(STORAGE_MODES)('analytics-svc outage on %s storage', (mode) => {
  it(
    `counts every view exactly after a ${OUTAGE_MS} ms outage with ${OUTAGE_READS} reads, without slowing the reads`,
    async () => {
      const result = await runOutageScenario({
        mode,
        outageMs: OUTAGE_MS,
        reads: OUTAGE_READS,
        convergeWithinMs: CONVERGE_WITHIN_MS,
        resetTimeoutMs: RESET_TIMEOUT_MS,
      });
      if (process.env['OUTAGE_REPORT'])
        console.log(
          JSON.stringify({ mode, ...result, expected: String(result.expected), counted: String(result.counted) }),
        );
      expect(result.counted).toBe(result.expected);
      expect(result.convergedAfterMs).toBeLessThan(CONVERGE_WITHIN_MS);
      expect(result.dropped).toBe(0);
      expect(result.buffered).toBeGreaterThan(0);
      // A read takes milliseconds; recordView's median is a few µs (the tail is GC and CPU preemption on a shared machine).
      expect(result.recordViewMicros.p50).toBeLessThan(50);
    },
    OUTAGE_MS + CONVERGE_WITHIN_MS + 30_000,
  );
});
