import { Code, ConnectError } from '@connectrpc/connect';
import { Visibility } from '@pastemesh/gen/paste';
import { Reason, appError } from '@pastemesh/kit/rpc';
import { asCaller, limitKeys } from '../request/caller.js';
import { recordView, type RequestScope } from '../request/scope.js';
import { parsePageSize, parsePaste, parseVersion, type PasteParams } from './paste.input.js';
import { toPasteView, type PasteView } from './paste.view.js';
import type { PasteVersionView } from './versions.loader.js';

/**
 * The paste use cases, once, below every edge: GraphQL resolvers, the plain HTTP routes and the web routes
 * only translate their protocol to these. Each one checks the caller's rate limit, parses its parameters
 * (paste.input.ts) and talks to paste-svc. Reads never change anything; revealPaste is the one read that burns.
 */

/** Largest page a listing returns (paste-svc's own bound). */
export const MAX_PAGE_SIZE = 100;

/** A page of pastes, newest first; `nextPageToken` is empty on the last page. */
export interface PastePage {
  pastes: PasteView[];
  nextPageToken: string;
}

/** NOT_FOUND for an id this caller cannot read (absent, expired, private to someone else: all look the same). */
export function pasteNotFound(id: string): ConnectError {
  return appError(Code.NotFound, Reason.PASTE_NOT_FOUND, `paste ${id.slice(0, 40)} not found`, { field: 'id' });
}

/** The signed-in user's id; UNAUTHENTICATED otherwise. */
export function requireSignedIn(scope: RequestScope): string {
  const principal = scope.caller.principal;
  if (!principal)
    throw appError(Code.Unauthenticated, Reason.UNAUTHENTICATED, 'sign in first: this needs a bearer token or API key');
  return principal.userId;
}

/** Stores a new paste; anonymous pastes come back with their delete token. */
export async function createPaste(
  scope: RequestScope,
  params: PasteParams,
): Promise<{ paste: PasteView; deleteToken: string | null }> {
  const { caller, services } = scope;
  await services.limits.consume('create', limitKeys(caller));
  const p = parsePaste(params, services.config.MAX_CONTENT_BYTES, Visibility.PUBLIC);
  const res = await services.pasteCreator.create(
    {
      content: p.content,
      title: p.title ?? '',
      language: p.language ?? '',
      visibility: p.visibility,
      expiry: p.expiry,
      burnAfterRead: p.burnAfterRead,
    },
    caller,
  );
  return { paste: toPasteView(res.paste!), deleteToken: res.deleteToken || null };
}

/**
 * Reads a paste (the latest version through the batching loader, another version in one GetPaste). Never
 * changes anything: a burn-after-read paste comes back concealed. NOT_FOUND when the caller cannot read it.
 */
export async function readPaste(scope: RequestScope, id: string, version?: number | string | null): Promise<PasteView> {
  const { caller, services } = scope;
  const v = parseVersion(version);
  await services.limits.consume('read', limitKeys(caller));
  if (v === 0) {
    const view = await scope.loaders.paste.load(id);
    if (!view) throw pasteNotFound(id);
    return view;
  }
  const res = await services.downstream.paste.getPaste({ id, version: v }, asCaller(caller));
  return toPasteView(res.paste!);
}

/** Reads a paste's content and, for a burn-after-read paste, deletes it: the one read that changes something. */
export async function revealPaste(scope: RequestScope, id: string): Promise<PasteView> {
  const { caller, services } = scope;
  await services.limits.consume('read', limitKeys(caller));
  const res = await services.downstream.paste.revealPaste({ id }, asCaller(caller));
  const view = toPasteView(res.paste!);
  if (view.burnAfterRead) services.hotCache.invalidate(view.id);
  recordView(scope, view.id);
  return view;
}

/**
 * The content of a paste already read, counted as one view of it per request; null while concealed. A
 * listing's pastes carry no content: it is loaded then (all of a request's in one call).
 */
export async function pasteContent(scope: RequestScope, paste: PasteView): Promise<string | null> {
  if (paste.concealed) return null;
  let content = paste.content;
  if (content === null) {
    const full =
      paste.version === paste.latestVersion
        ? await scope.loaders.paste.load(paste.id)
        : toPasteView(
            (
              await scope.services.downstream.paste.getPaste(
                { id: paste.id, version: paste.version },
                asCaller(scope.caller),
              )
            ).paste!,
          );
    if (!full || full.concealed) return null;
    content = full.content;
  }
  if (content !== null) recordView(scope, paste.id);
  return content;
}

/** Every version of a paste, newest first; all the pastes of one request in one call. */
export function pasteVersions(scope: RequestScope, paste: PasteView): Promise<PasteVersionView[]> {
  return scope.loaders.versions.load(paste.id);
}

/** Stores a new version (owner only); unset title, language or visibility keep theirs. */
export async function updatePaste(scope: RequestScope, id: string, params: PasteParams): Promise<PasteView> {
  const { caller, services } = scope;
  const me = requireSignedIn(scope);
  await services.limits.consume('create', [`user:${me}`]);
  const p = parsePaste(params, services.config.MAX_CONTENT_BYTES, Visibility.UNSPECIFIED);
  const res = await services.downstream.paste.updatePaste(
    {
      id,
      content: p.content,
      ...(p.title !== undefined ? { title: p.title } : {}),
      ...(p.language !== undefined ? { language: p.language } : {}),
      visibility: p.visibility,
    },
    asCaller(caller),
  );
  services.hotCache.invalidate(id);
  return toPasteView(res.paste!);
}

/** Deletes a paste: its owner, an admin, or whoever holds its delete token. */
export async function deletePaste(scope: RequestScope, id: string, deleteToken?: string | null): Promise<void> {
  const { caller, services } = scope;
  await services.limits.consume('create', limitKeys(caller));
  await services.downstream.paste.deletePaste({ id, deleteToken: deleteToken ?? '' }, asCaller(caller));
  services.hotCache.invalidate(id);
}

/** Recent public pastes, or (with `mine`) the signed-in user's pastes of every visibility. */
export async function listPastes(
  scope: RequestScope,
  page: { first: number; after?: string | null | undefined; mine?: boolean },
): Promise<PastePage> {
  const { caller, services } = scope;
  const ownerId = page.mine ? requireSignedIn(scope) : '';
  await services.limits.consume('read', limitKeys(caller));
  const res = await services.downstream.paste.listPastes(
    { ownerId, pageSize: parsePageSize(page.first, MAX_PAGE_SIZE), pageToken: page.after ?? '' },
    asCaller(caller),
  );
  return { pastes: res.pastes.map(toPasteView), nextPageToken: res.nextPageToken };
}

/** The paste's page and raw URLs; a version other than the latest is named in them. */
export function pasteUrls(scope: RequestScope, paste: PasteView): { url: string; rawUrl: string } {
  const base = scope.services.publicUrl();
  const v = paste.version !== paste.latestVersion ? `?v=${paste.version}` : '';
  return { url: `${base}/p/${paste.id}${v}`, rawUrl: `${base}/raw/${paste.id}${v}` };
}
