import { describe, expect, it } from '@jest/globals';
import { deleteTokenMatches, hashDeleteToken, newDeleteToken, newPasteId } from './paste-id.js';

describe('paste ids', () => {
  it('are 11 base62 characters and do not repeat over 10,000 draws', () => {
    const ids = Array.from({ length: 10_000 }, newPasteId);
    expect(ids.every((id) => /^[0-9A-Za-z]{11}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use every character of the alphabet at a roughly even rate', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 5_000; i++) for (const c of newPasteId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (5_000 * 11) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.35);
  });
});

describe('delete tokens', () => {
  it('match their stored hash and nothing else', () => {
    const token = newDeleteToken();
    const hash = hashDeleteToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(deleteTokenMatches(token, hash)).toBe(true);
    expect(deleteTokenMatches(newDeleteToken(), hash)).toBe(false);
    expect(deleteTokenMatches('', hash)).toBe(false);
    expect(deleteTokenMatches(token, null)).toBe(false);
  });

  it('never start with a dash, so a command line takes them as a value (`--delete-token "$TOKEN"`)', () => {
    for (let i = 0; i < 2_000; i++) expect(newDeleteToken()).toMatch(/^dt_[A-Za-z0-9_-]{43}$/);
  });
});
