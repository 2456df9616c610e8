import { describe, expect, it } from '@jest/globals';
import type { PasteView } from '../paste/paste.view.js';
import { LATEST_MAX_AGE_S, VERSION_MAX_AGE_S, rawCachePolicy } from './raw-cache-policy.js';

const NOW = Date.UTC(2026, 0, 1);

function view(overrides: Partial<PasteView> = {}): PasteView {
  return {
    id: 'AbCdEfGhIjK',
    title: null,
    content: 'text',
    language: 'plaintext',
    visibility: 'PUBLIC',
    createdAt: new Date(NOW - 60_000),
    updatedAt: new Date(NOW - 60_000),
    expiresAt: null,
    burnAfterRead: false,
    concealed: false,
    ownerId: null,
    sizeBytes: 4,
    sha256: 'a'.repeat(64),
    version: 1,
    latestVersion: 1,
    ...overrides,
  };
}

const anonymous = (pinned: boolean) => ({ pinned, authorized: false, now: NOW });

describe('rawCachePolicy', () => {
  it('lets browsers and CDNs keep a public version for a year, immutable, tagged for purging', () => {
    expect(rawCachePolicy(view(), anonymous(true))).toEqual({
      cacheControl: `public, max-age=${VERSION_MAX_AGE_S}, immutable`,
      purgeTag: 'paste-AbCdEfGhIjK',
    });
  });

  it('lets them keep the latest version of a public paste for a minute, so a new version shows soon', () => {
    expect(rawCachePolicy(view(), anonymous(false))).toEqual({
      cacheControl: `public, max-age=${LATEST_MAX_AGE_S}`,
      purgeTag: 'paste-AbCdEfGhIjK',
    });
  });

  it('never lets a cache keep a paste past its expiry', () => {
    const expiresAt = new Date(NOW + 600_500);
    expect(rawCachePolicy(view({ expiresAt }), anonymous(true)).cacheControl).toBe('public, max-age=600, immutable');
    const soon = new Date(NOW + 30_999);
    expect(rawCachePolicy(view({ expiresAt: soon }), anonymous(false)).cacheControl).toBe('public, max-age=30');
  });

  it('keeps nothing of a paste in its last second', () => {
    expect(rawCachePolicy(view({ expiresAt: new Date(NOW + 999) }), anonymous(true))).toEqual({
      cacheControl: 'private, no-store',
      purgeTag: null,
    });
  });

  it('keeps unlisted pastes in the reader’s browser only, for the same times', () => {
    const unlisted = view({ visibility: 'UNLISTED' });
    expect(rawCachePolicy(unlisted, anonymous(true))).toEqual({
      cacheControl: `private, max-age=${VERSION_MAX_AGE_S}, immutable`,
      purgeTag: null,
    });
    expect(rawCachePolicy(unlisted, anonymous(false)).cacheControl).toBe(`private, max-age=${LATEST_MAX_AGE_S}`);
  });

  it('keeps a public paste read with credentials out of shared caches', () => {
    expect(rawCachePolicy(view(), { pinned: true, authorized: true, now: NOW })).toEqual({
      cacheControl: `private, max-age=${VERSION_MAX_AGE_S}, immutable`,
      purgeTag: null,
    });
  });

  it('lets nobody keep a private or burn-after-read paste, version or not', () => {
    for (const pinned of [true, false]) {
      for (const v of [
        view({ visibility: 'PRIVATE' }),
        view({ burnAfterRead: true }),
        view({ concealed: true, burnAfterRead: true }),
      ]) {
        expect(rawCachePolicy(v, anonymous(pinned))).toEqual({ cacheControl: 'private, no-store', purgeTag: null });
      }
    }
  });
});
