import { describe, expect, it } from '@jest/globals';
import { createPasswordHasher } from './password-hasher.js';

describe('password hasher', () => {
  const floor = createPasswordHasher({ memoryKib: 19_456, iterations: 2, parallelism: 1 });

  it('hashes with argon2id and the configured cost, with a fresh salt each time', async () => {
    const a = await floor.hash('correct horse');
    const b = await floor.hash('correct horse');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one or a malformed hash', async () => {
    const stored = await floor.hash('correct horse');
    expect(await floor.verify(stored, 'correct horse')).toBe(true);
    expect(await floor.verify(stored, 'correct horsf')).toBe(false);
    expect(await floor.verify('not-a-hash', 'correct horse')).toBe(false);
  });

  it('asks for a rehash when a stored hash is weaker than today’s settings', async () => {
    const stored = await floor.hash('correct horse');
    expect(floor.needsRehash(stored)).toBe(false);
    const stronger = createPasswordHasher({ memoryKib: 19_456, iterations: 3, parallelism: 1 });
    expect(stronger.needsRehash(stored)).toBe(true);
    expect(floor.needsRehash('garbage')).toBe(true);
  });

  it('spends time on a dummy verification', async () => {
    await floor.verifyDummy('warm up');
    const started = performance.now();
    await floor.verifyDummy('anything');
    expect(performance.now() - started).toBeGreaterThan(2);
  });
});
