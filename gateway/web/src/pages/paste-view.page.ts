import { execute, request } from '../api/api.js';
import { ApiError } from '../api/api-error.js';
import { PASTE_VIEW, REVEAL_PASTE, type PasteData, type PasteDetail } from '../api/operations.js';
import { deleteTokenFor } from '../auth/delete-tokens.js';
import { currentSession } from '../auth/session.js';
import { type Page } from '../router.js';
import { h, link } from '../ui/dom.js';
import { expiryText, formatBytes, relativeTime } from '../ui/format.js';
import { errorNotice, infoNotice, takeFlash } from '../ui/notice.js';
import { visibilityBadge } from '../ui/paste-meta.js';
import { codeBlock, pasteToolbar } from './paste-view.parts.js';

/** `/p/:id` (and `?v=N` for an older version): the paste, its versions, views and owner actions. */
export const pasteViewPage: Page = async (container, { match, query }) => {
  const id = match[1]!;
  const version = Number(query.get('v')) || null;
  container.append(h('p', { className: 'loading' }, 'Loading…'));
  let paste: PasteDetail | null;
  let statsError: ApiError | undefined;
  try {
    const res = await request(PASTE_VIEW, { id, version }, ['stats']);
    paste = res.data.paste;
    statsError = res.partial[0];
  } catch (err) {
    container.replaceChildren(errorNotice(err));
    return;
  }
  if (!paste) {
    container.replaceChildren(errorNotice(new ApiError({ message: 'not found', extensions: { code: 'NOT_FOUND' } })), h('p', {}, link('/', 'Create a new paste')));
    return;
  }
  document.title = `${paste.title || 'Untitled'} · Pastemesh`;
  const session = currentSession();
  const isOwner = !!session && paste.author?.id === session.account.user.id;
  const isAdmin = !!session?.account.roles.includes('ADMIN');
  const deleteToken = deleteTokenFor(paste.id);

  const body = h('div', { className: 'paste-body' });
  const toolbarSlot = h('div');
  const showContent = (p: PasteData, burned: boolean) => {
    body.replaceChildren(
      burned ? infoNotice('warning', 'This paste was burned: it is now deleted from the server. Copy or download it before you leave this page.') : '',
      codeBlock(p.content ?? '', p.language),
    );
    toolbarSlot.replaceChildren(pasteToolbar(p, { isOwner, isAdmin, deleteToken, burned, container }));
  };

  if (paste.concealed) {
    const reveal = h('button', { type: 'button', className: 'primary', data: { testid: 'reveal' } }, 'Reveal and burn');
    reveal.addEventListener('click', async () => {
      reveal.disabled = true;
      const res = await execute(REVEAL_PASTE, { id });
      const revealed = res.data?.revealPaste;
      if (!revealed) {
        body.replaceChildren(errorNotice(res.errors[0] ?? new ApiError({ message: 'gone', extensions: { code: 'NOT_FOUND' } })));
        return;
      }
      showContent(revealed, revealed.burnAfterRead);
    });
    body.append(
      infoNotice('warning', h('strong', {}, 'Burn after read. '), 'This paste is deleted as soon as it is shown. Reveal it only when you are ready to read it; the link will not work again.'),
      reveal,
    );
    toolbarSlot.replaceChildren(pasteToolbar(paste, { isOwner, isAdmin, deleteToken, burned: false, container }));
  } else {
    showContent(paste, false);
  }

  const created = query.get('created') && deleteToken ? createdNotice(deleteToken) : null;
  container.replaceChildren(
    takeFlash() ?? '',
    created ?? '',
    h('h1', { className: paste.title ? '' : 'untitled', data: { testid: 'paste-title' } }, paste.title || 'Untitled'),
    meta(paste, statsError),
    toolbarSlot,
    body,
    versionList(paste),
  );
};

function meta(paste: PasteDetail, statsError: ApiError | undefined): HTMLElement {
  const views = paste.stats
    ? h('span', { data: { testid: 'views' } }, `${paste.stats.totalViews} view${paste.stats.totalViews === 1 ? '' : 's'} (${paste.stats.uniqueViewers} unique)`)
    : h('span', { className: 'muted', title: statsError?.message ?? '' }, 'views unavailable right now');
  const items: (Node | string)[] = [
    visibilityBadge(paste),
    paste.language,
    // Null while a burn-after-read paste is concealed.
    paste.sizeBytes === null ? '' : formatBytes(paste.sizeBytes),
    h('time', { dateTime: paste.createdAt, title: paste.createdAt }, `created ${relativeTime(paste.createdAt)}`),
    expiryText(paste.expiresAt),
    paste.author ? `by ${paste.author.displayName}` : 'anonymous',
    paste.latestVersion > 1 ? `version ${paste.version} of ${paste.latestVersion}` : '',
    views,
  ];
  return h('p', { className: 'meta' }, ...items.filter((i) => i !== '').flatMap((item, i) => (i === 0 ? [item] : [h('span', { className: 'sep' }, ' · '), item])));
}

function versionList(paste: PasteDetail): HTMLElement | string {
  if (paste.versions.length < 2) return '';
  return h(
    'section',
    { className: 'versions' },
    h('h2', {}, 'Versions'),
    h(
      'ul',
      { data: { testid: 'versions' } },
      ...paste.versions.map((v) =>
        h(
          'li',
          {},
          v.version === paste.version
            ? h('strong', {}, `Version ${v.version}`)
            : link(v.version === paste.latestVersion ? `/p/${paste.id}` : `/p/${paste.id}?v=${v.version}`, `Version ${v.version}`),
          [` · ${v.title || 'Untitled'}`, v.language, v.sizeBytes === null ? '' : formatBytes(v.sizeBytes), relativeTime(v.createdAt)].filter((t) => t !== '').join(' · '),
        ),
      ),
    ),
  );
}

function createdNotice(token: string): HTMLElement {
  return infoNotice(
    'success',
    h('strong', {}, 'Paste created. '),
    'This browser keeps its delete token so you can delete it later; save it if you may need it elsewhere: ',
    h('code', { data: { testid: 'delete-token' } }, token),
  );
}
