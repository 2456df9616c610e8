import type { PasteView } from '../paste/paste.view.js';

/**
 * Who may keep a raw answer (`/raw/:id`, `/raw/:id?v=N`) and for how long: browsers, and shared caches such as
 * a CDN in front of the gateway. gateway/README.md, "Caching by CDNs and browsers", explains each choice.
 */

/** A version's content never changes: browsers and CDNs may keep `?v=N` this long (a year, the customary longest), never past expiry. */
export const VERSION_MAX_AGE_S = 31_536_000;
/** The latest version may be replaced at any time: a new version or a deletion shows within this. */
export const LATEST_MAX_AGE_S = 60;

/** What the answer says to caches. */
export interface RawCachePolicy {
  cacheControl: string;
  /**
   * The purge tag of a paste's answers that shared caches may keep (`Surrogate-Key` for Fastly and Varnish,
   * `Cache-Tag` for Cloudflare and CloudFront); null when none may.
   */
  purgeTag: string | null;
}

/** What the policy needs of the request. */
export interface RawRequestFacts {
  /** The URL names a version (`?v=N`, N ≥ 1): its content is immutable. */
  pinned: boolean;
  /** The request carried an `Authorization` header: a shared cache must not keep what it was given. */
  authorized: boolean;
  /** Epoch ms. */
  now: number;
}

const NO_STORE: RawCachePolicy = { cacheControl: 'private, no-store', purgeTag: null };

/** The purge tag of everything a CDN may hold of one paste: its latest URL and every version. */
export const purgeTagOf = (id: string): string => `paste-${id}`;

/**
 * - burn-after-read or PRIVATE: `private, no-store` (nobody keeps it; an owner-only answer depends on the
 *   caller, and a burned paste must be gone after its one read);
 * - PUBLIC, asked without credentials: `public`, so a CDN may keep it, tagged for purging;
 * - UNLISTED, or anything asked with credentials: `private` (the asker's browser only);
 * - `max-age`: a pinned version one year, the latest URL 60 s, and never beyond the paste's expiry, so every
 *   cache drops it by then; a pinned version is `immutable` (browsers skip revalidating it on reload).
 */
export function rawCachePolicy(view: PasteView, request: RawRequestFacts): RawCachePolicy {
  // Without an expiry the policy depends on the view and two booleans only: a hot paste's four possible
  // answers are kept with its view (the cache-control and purge-tag strings were built on every read).
  if (view.expiresAt !== null) return policyAt(view, request);
  let kept = withoutExpiry.get(view);
  if (!kept) withoutExpiry.set(view, (kept = [undefined, undefined, undefined, undefined]));
  const i = (request.pinned ? 2 : 0) + (request.authorized ? 1 : 0);
  return (kept[i] ??= policyAt(view, request));
}

/** The policies already worked out for a view without expiry, by `pinned` × 2 + `authorized`. */
const withoutExpiry = new WeakMap<PasteView, (RawCachePolicy | undefined)[]>();

function policyAt(view: PasteView, request: RawRequestFacts): RawCachePolicy {
  if (view.burnAfterRead || view.visibility === 'PRIVATE') return NO_STORE;
  const untilExpiry = view.expiresAt
    ? Math.floor((view.expiresAt.getTime() - request.now) / 1000)
    : Number.POSITIVE_INFINITY;
  const maxAge = Math.min(request.pinned ? VERSION_MAX_AGE_S : LATEST_MAX_AGE_S, untilExpiry);
  if (maxAge <= 0) return NO_STORE;
  const shared = view.visibility === 'PUBLIC' && !request.authorized;
  const who = shared ? 'public' : 'private';
  return {
    cacheControl: request.pinned ? `${who}, max-age=${maxAge}, immutable` : `${who}, max-age=${maxAge}`,
    purgeTag: shared ? purgeTagOf(view.id) : null,
  };
}
