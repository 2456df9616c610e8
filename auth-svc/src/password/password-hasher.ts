import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolatedModules cannot read; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** argon2id cost parameters (memory in KiB). */
export interface Argon2Params {
  memoryKib: number;
  iterations: number;
  parallelism: number;
}

/** Hashes and checks passwords with argon2id; unknown accounts cost the same as wrong passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored`; never throws for a malformed hash (returns false). */
  verify(stored: string, password: string): Promise<boolean>;
  /** Spends one verification's worth of time on nothing, so "no such email" is as slow as "wrong password". */
  verifyDummy(password: string): Promise<void>;
  /** True when `stored` was made with weaker parameters than today's (rehash at next sign-in). */
  needsRehash(stored: string): boolean;
}

/** Builds a hasher for `params`; the dummy hash is made once, on first use. */
export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  };
  let dummy: Promise<string> | undefined;
  const self: PasswordHasher = {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    async verifyDummy(password) {
      dummy ??= hash(randomBytes(16).toString('hex'), options);
      await self.verify(await dummy, password);
    },
    needsRehash(stored) {
      try {
        const used = parseOptions(stored);
        return (
          used.algorithm !== ARGON2ID ||
          used.memoryCost < params.memoryKib ||
          used.timeCost < params.iterations ||
          used.parallelism !== params.parallelism
        );
      } catch {
        return true;
      }
    },
  };
  return self;
}
