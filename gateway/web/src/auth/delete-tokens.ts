/**
 * Delete tokens of anonymous pastes made in this browser, so their author can
 * still delete them later. Kept in localStorage; never sent anywhere except
 * with deletePaste.
 */
const KEY = 'pastemesh.deleteTokens';
const MAX = 200;

function read(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/** Stores the token for a paste (keeps the newest MAX). */
export function rememberDeleteToken(pasteId: string, token: string): void {
  const all = read();
  all[pasteId] = token;
  const ids = Object.keys(all);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX))) delete all[id];
  localStorage.setItem(KEY, JSON.stringify(all));
}

/** The stored token for a paste, if this browser made it. */
export function deleteTokenFor(pasteId: string): string | undefined {
  return read()[pasteId];
}

/** Forgets a token (after the paste is gone). */
export function forgetDeleteToken(pasteId: string): void {
  const all = read();
  delete all[pasteId];
  localStorage.setItem(KEY, JSON.stringify(all));
}
