// Property-based fuzzing of paste-svc's CreatePastes (the gateway's batched create) against the real service on
// MariaDB: whatever a caller sends, the answer is every paste stored, or INVALID_ARGUMENT naming the batch or
// the item and field at fault with nothing stored; never another code (a server error would trip the gateway's
// breaker on a client's mistake). The gateway's own entry points that reach it (POST /, createPaste) are in
// gateway.fuzz.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ConnectError, Code } from '@connectrpc/connect';
import { Expiry, Visibility, type CreatePasteRequest } from '@pastemesh/gen/paste';
import { errorDetail } from '@pastemesh/kit/rpc';
import { MAX_BATCH_CREATES } from '@pastemesh/paste-svc/client';
import { startPasteHarness, type PasteHarness } from '@pastemesh/paste-svc/testing';
import { SEED } from './fuzz-phase.js';

const RUNS = 120;

/** Content: empty, text, invalid UTF-8, or over the 1 MiB limit. */
const content = fc.oneof(
  { weight: 30, arbitrary: fc.string({ minLength: 1, maxLength: 200 }).map((s) => new TextEncoder().encode(s)) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(1024 * 1024 + 1).fill(0x61)) },
);

/** Mostly valid (a batch of several is refused if any item is not), sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, any: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: any });

const item = fc.record({
  content,
  title: mostly(fc.string({ maxLength: 20 }), fc.string({ minLength: 199, maxLength: 210 })),
  language: mostly(fc.constantFrom('', 'python', 'plaintext'), fc.string({ maxLength: 12 })),
  visibility: mostly(fc.constantFrom(Visibility.PUBLIC, Visibility.UNLISTED), fc.integer({ min: -1, max: 5 })),
  expiry: mostly(
    fc.constantFrom(Expiry.UNSPECIFIED, Expiry.ONE_HOUR, Expiry.ONE_DAY),
    fc.integer({ min: -1, max: 12 }),
  ),
  burnAfterRead: fc.boolean(),
});

const batch = fc.oneof(
  { weight: 8, arbitrary: fc.array(item, { minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  {
    weight: 1,
    arbitrary: fc.constant(
      Array.from({ length: MAX_BATCH_CREATES + 1 }, () => ({
        content: new Uint8Array([0x61]),
        title: '',
        language: '',
        visibility: Visibility.UNLISTED,
        expiry: Expiry.ONE_HOUR,
        burnAfterRead: false,
      })),
    ),
  },
);

describe('CreatePastes fuzz (paste-svc on MariaDB)', () => {
  let h: PasteHarness;
  let signedIn: string;

  beforeAll(async () => {
    h = await startPasteHarness('mysql', 'fuzz_create_pastes');
    signedIn = await h.issuer.sign('fuzzer');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('stores every paste or none, and a refusal is INVALID_ARGUMENT naming the batch or an item field', async () => {
    const stored = () => h.storedPastes();
    let refused = 0;
    let created = 0;
    await fc.assert(
      fc.asyncProperty(batch, fc.boolean(), async (pastes, anonymous) => {
        const before = await stored();
        try {
          const res = await h.client.createPastes(
            { pastes: pastes as CreatePasteRequest[] },
            anonymous ? {} : h.as(signedIn),
          );
          expect(res.pastes).toHaveLength(pastes.length);
          expect(await stored()).toBe(before + pastes.length);
          created++;
        } catch (err) {
          if (!(err instanceof ConnectError)) throw err;
          const field = errorDetail(err)?.field ?? '';
          expect({ code: Code[err.code], field }).toEqual({
            code: 'InvalidArgument',
            field: expect.stringMatching(/^pastes(\[\d+\]\.\w+)?$/),
          });
          expect(err.rawMessage.startsWith(`${field}:`)).toBe(true);
          const index = /^pastes\[(\d+)\]/.exec(field)?.[1];
          if (index !== undefined) expect(Number(index)).toBeLessThan(pastes.length);
          expect(await stored()).toBe(before);
          refused++;
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator reaches both outcomes (a fuzz run that only ever refused would test nothing of storing).
    expect(refused).toBeGreaterThan(10);
    expect(created).toBeGreaterThan(10);
  }, 300_000);
});
