import { execute, request } from '../api/api.js';
import { ApiError } from '../api/api-error.js';
import { PASTE_VIEW, REVEAL_PASTE, type PasteData, type PasteDetail } from '../api/operations.js';
import { deleteTokenFor } from '../auth/delete-tokens.js';
import { currentSession } from '../auth/session.js';
import { type Page } from '../router.js';
import { h, link } from '../ui/dom.js';
import { expiryText, formatBytes, relativeTime, utf8Length } from '../ui/format.js';
import { errorNotice, infoNotice, takeFlash } from '../ui/notice.js';
import { visibilityBadge } from '../ui/paste-meta.js';
import { codeBlock, pasteToolbar } from './paste-view.parts.js';

/** The language id that asks readers to detect the language. */
const AUTO = 'auto';

/** `/p/:id` (and `?v=N` for an older version): the paste, its versions, views and owner actions. */
export const pasteViewPage: Page = async (container, { match, query }) => {
  const id = match[1]!;
  const version = Number(query.get('v')) || null;
  container.append(h('p', { className: 'loading' }, 'Loading…'));
  let found: PasteDetail | null;
  let names: Map<string, string>;
  let statsError: ApiError | undefined;
  try {
    const res = await request(PASTE_VIEW, { id, version }, ['stats']);
    found = res.data.paste;
    names = new Map(res.data.languages.map((l) => [l.id, l.name]));
    statsError = res.partial[0];
  } catch (err) {
    container.replaceChildren(errorNotice(err));
    return;
  }
  if (!found) {
    container.replaceChildren(
      errorNotice(new ApiError({ message: 'not found', extensions: { code: 'NOT_FOUND' } })),
      h('p', {}, link('/', 'Create a new paste')),
    );
    return;
  }
  const paste = found;
  document.title = `${paste.title || 'Untitled'} · Pastemesh`;
  const session = currentSession();
  const isOwner = !!session && paste.author?.id === session.account.user.id;
  const isAdmin = !!session?.account.roles.includes('ADMIN');
  const deleteToken = deleteTokenFor(paste.id);

  const metaSlot = h('div');
  const body = h('div', { className: 'paste-body' });
  const toolbarSlot = h('div');
  const toolbar = (p: PasteData, burned: boolean, language: string) =>
    toolbarSlot.replaceChildren(pasteToolbar(p, { isOwner, isAdmin, deleteToken, burned, container, language }));
  const showContent = (p: PasteData, burned: boolean) => {
    const content = p.content ?? '';
    const code = codeBlock(content, p.language);
    body.replaceChildren(
      burned
        ? infoNotice(
            'warning',
            'This paste was burned: it is now deleted from the server. Copy or download it before you leave this page.',
          )
        : '',
      code.element,
    );
    metaSlot.replaceChildren(
      meta(
        paste,
        { sizeBytes: p.sizeBytes ?? utf8Length(content), language: languageLabel(p.language, code, names) },
        statsError,
      ),
    );
    toolbar(p, burned, p.language === AUTO ? (code.language ?? 'plaintext') : p.language);
  };

  if (paste.concealed) {
    const reveal = h('button', { type: 'button', className: 'primary', data: { testid: 'reveal' } }, 'Reveal and burn');
    reveal.addEventListener('click', async () => {
      reveal.disabled = true;
      const res = await execute(REVEAL_PASTE, { id });
      const revealed = res.data?.revealPaste;
      if (!revealed) {
        body.replaceChildren(
          errorNotice(res.errors[0] ?? new ApiError({ message: 'gone', extensions: { code: 'NOT_FOUND' } })),
        );
        return;
      }
      showContent(revealed, revealed.burnAfterRead);
    });
    body.append(
      infoNotice(
        'warning',
        h('strong', {}, 'Burn after read. '),
        'This paste is deleted as soon as it is shown. Reveal it only when you are ready to read it; the link will not work again.',
      ),
      reveal,
    );
    // Size, hash and (for auto) the language come from the content, which nobody has seen yet.
    metaSlot.replaceChildren(
      meta(paste, { sizeBytes: null, language: languageLabel(paste.language, null, names) }, statsError),
    );
    toolbar(paste, false, paste.language);
  } else {
    showContent(paste, false);
  }

  const created = query.get('created') && deleteToken ? createdNotice(deleteToken) : null;
  container.replaceChildren(
    takeFlash() ?? '',
    created ?? '',
    h('h1', { className: paste.title ? '' : 'untitled', data: { testid: 'paste-title' } }, paste.title || 'Untitled'),
    metaSlot,
    toolbarSlot,
    body,
    versionList(paste),
  );
};

/** What the meta line shows that depends on the content being shown. */
interface Shown {
  /** Null while a burn-after-read paste is concealed. */
  sizeBytes: number | null;
  language: string;
}

function meta(paste: PasteDetail, shown: Shown, statsError: ApiError | undefined): HTMLElement {
  const views = paste.stats
    ? h(
        'span',
        { data: { testid: 'views' } },
        `${paste.stats.totalViews} view${paste.stats.totalViews === 1 ? '' : 's'} (${paste.stats.uniqueViewers} unique)`,
      )
    : h('span', { className: 'muted', title: statsError?.message ?? '' }, 'views unavailable right now');
  const items: (Node | string)[] = [
    visibilityBadge(paste),
    h('span', { data: { testid: 'language' } }, shown.language),
    shown.sizeBytes === null ? '' : formatBytes(shown.sizeBytes),
    h('time', { dateTime: paste.createdAt, title: paste.createdAt }, `created ${relativeTime(paste.createdAt)}`),
    expiryText(paste.expiresAt),
    paste.author ? `by ${paste.author.displayName}` : 'anonymous',
    paste.latestVersion > 1 ? `version ${paste.version} of ${paste.latestVersion}` : '',
    views,
  ];
  return h(
    'p',
    { className: 'meta' },
    ...items
      .filter((i) => i !== '')
      .flatMap((item, i) => (i === 0 ? [item] : [h('span', { className: 'sep' }, ' · '), item])),
  );
}

/**
 * The language as people read it: the declared one's name; for `auto`, the name of
 * what highlighting detected ("Python (detected)"), or plain text when it found nothing.
 * `rendered` is null while the content is not shown (a concealed paste).
 */
function languageLabel(
  declared: string,
  rendered: { language: string | null } | null,
  names: Map<string, string>,
): string {
  const name = (id: string) => names.get(id) ?? id;
  if (declared !== AUTO) return name(declared);
  if (!rendered) return name(AUTO);
  return rendered.language ? `${name(rendered.language)} (detected)` : name('plaintext');
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
            : link(
                v.version === paste.latestVersion ? `/p/${paste.id}` : `/p/${paste.id}?v=${v.version}`,
                `Version ${v.version}`,
              ),
          [
            ` · ${v.title || 'Untitled'}`,
            v.language,
            v.sizeBytes === null ? '' : formatBytes(v.sizeBytes),
            relativeTime(v.createdAt),
          ]
            .filter((t) => t !== '')
            .join(' · '),
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
