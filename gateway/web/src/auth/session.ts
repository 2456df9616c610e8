import { postGraphQL } from '../api/graphql-client.js';
import { REFRESH_TOKEN, type AccountData, type TokenData } from '../api/operations.js';

/** A signed-in session as kept in localStorage (so it survives reloads and is shared by tabs). */
export interface Session {
  account: AccountData;
  accessToken: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

const KEY = 'pastemesh.session';
/** Refresh this long before the access token expires, so a request never races its expiry. */
const REFRESH_MARGIN_MS = 30_000;

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let inflight: Promise<Session | null> | undefined;

/** The stored session, or null (also when the refresh token has run out). */
export function currentSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return s.refreshTokenExpiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

/** Stores a session from a login/register payload. */
export function startSession(account: AccountData, tokens: TokenData): Session {
  const session = { account, ...toTimes(tokens) };
  write(session);
  return session;
}

/** Forgets the session locally (the caller revokes it on the server first when it can). */
export function endSession(): void {
  write(null);
}

/** Called whenever the session starts, ends or changes (in this tab or another). */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener('storage', (e) => {
  if (e.key === KEY) for (const l of listeners) l(currentSession());
});

/** An access token good for at least the margin, refreshing first if needed; undefined when signed out. */
export async function accessToken(): Promise<string | undefined> {
  const s = currentSession();
  if (!s) return undefined;
  if (s.accessTokenExpiresAt - Date.now() > REFRESH_MARGIN_MS) return s.accessToken;
  return (await refreshSession(s.accessToken))?.accessToken;
}

/**
 * Rotates the refresh token. Refresh tokens are single-use and reuse revokes
 * the whole family, so tabs must not refresh at the same time: a Web Lock
 * serialises them, and a tab that waited re-reads what the winner stored.
 */
export function refreshSession(staleAccessToken: string): Promise<Session | null> {
  const run = async (): Promise<Session | null> => {
    const s = currentSession();
    if (!s) return null;
    if (s.accessToken !== staleAccessToken && s.accessTokenExpiresAt - Date.now() > REFRESH_MARGIN_MS) return s;
    const res = await postGraphQL(REFRESH_TOKEN, { refreshToken: s.refreshToken });
    if (res.data?.refreshToken) {
      const next = { account: s.account, ...toTimes(res.data.refreshToken) };
      write(next);
      return next;
    }
    // Network trouble keeps the session for later; a refused token ends it.
    const transient = res.errors.some(
      (e) => e.code === 'NETWORK' || e.code === 'SERVICE_UNAVAILABLE' || e.code === 'RATE_LIMITED',
    );
    if (!transient) write(null);
    return null;
  };
  inflight ??= (navigator.locks ? navigator.locks.request('pastemesh-session', run) : run()).finally(
    () => (inflight = undefined),
  );
  return inflight;
}

function toTimes(t: TokenData) {
  return {
    accessToken: t.accessToken,
    accessTokenExpiresAt: Date.parse(t.accessTokenExpiresAt),
    refreshToken: t.refreshToken,
    refreshTokenExpiresAt: Date.parse(t.refreshTokenExpiresAt),
  };
}

function write(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l(session);
}
