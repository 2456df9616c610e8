import { request } from '../api/api.js';
import { MY_PASTES, TOP_PASTES, type PasteSummary, type TopWindow } from '../api/operations.js';
import { currentSession } from '../auth/session.js';
import type { Page } from '../router.js';
import { h, link } from '../ui/dom.js';
import { errorNotice, takeFlash } from '../ui/notice.js';
import { pasteTable } from '../ui/paste-meta.js';

/** Pastes per "Load more"; `/mine?first=N` (1 to 100, paste-svc's limit) asks for other page sizes. */
const PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function pageSize(query: URLSearchParams): number {
  const n = Number(query.get('first'));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_PAGE_SIZE) : PAGE_SIZE;
}

/** `/mine`: the signed-in user's pastes, all visibilities, newest first, with "Load more". */
export const myPastesPage: Page = async (container, { query }) => {
  container.append(h('h1', {}, 'My pastes'), takeFlash() ?? '');
  if (!currentSession()) {
    container.append(
      h('p', { data: { testid: 'sign-in-needed' } }, link('/login?next=/mine', 'Sign in'), ' to see your pastes.'),
    );
    return;
  }
  const first = pageSize(query);
  const list = h('div', { className: 'table-scroll' });
  const status = h('div');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  container.append(list, status, more);
  const rows: { paste: PasteSummary }[] = [];
  const seen = new Set<string>();
  /** Where the next page starts; null once there is none (never "from the start" again). */
  let after: string | null = null;
  const load = async () => {
    more.disabled = true;
    status.replaceChildren();
    try {
      const { data } = await request(MY_PASTES, { first, after });
      const { edges, pageInfo } = data.myPastes;
      // Whatever a page repeats (a listing that shifted, a cursor that did not move), a paste shows once.
      for (const { node } of edges) {
        if (seen.has(node.id)) continue;
        seen.add(node.id);
        rows.push({ paste: node });
      }
      // Without a cursor the next request would start over at page 1: stop instead.
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      more.hidden = after === null;
      list.replaceChildren(
        rows.length ? pasteTable(rows, 'my-pastes') : h('p', {}, 'No pastes yet. ', link('/', 'Create one'), '.'),
      );
    } catch (err) {
      status.replaceChildren(errorNotice(err));
    }
    more.disabled = false;
  };
  more.addEventListener('click', () => {
    if (after !== null && !more.disabled) void load();
  });
  await load();
};

const WINDOWS: [TopWindow, string][] = [
  ['DAY', 'Today'],
  ['WEEK', 'This week'],
  ['MONTH', 'This month'],
];

/** `/top?window=DAY|WEEK|MONTH`: the most viewed public pastes. */
export const topPastesPage: Page = async (container, { query }) => {
  const win = (WINDOWS.find(([w]) => w === query.get('window'))?.[0] ?? 'DAY') satisfies TopWindow;
  const tabs = h(
    'nav',
    { className: 'tabs', attrs: { 'aria-label': 'Ranking window' } },
    ...WINDOWS.map(([w, label]) =>
      link(`/top?window=${w}`, label, w === win ? { attrs: { 'aria-current': 'page' } } : {}),
    ),
  );
  const list = h('div', { className: 'table-scroll' }, h('p', { className: 'loading' }, 'Loading…'));
  container.append(h('h1', {}, 'Top pastes'), tabs, list);
  try {
    const { data } = await request(TOP_PASTES, { window: win, limit: 25 });
    list.replaceChildren(
      data.topPastes.length
        ? pasteTable(data.topPastes, 'top-pastes')
        : h('p', {}, 'No views counted in this window yet.'),
    );
  } catch (err) {
    list.replaceChildren(errorNotice(err));
  }
};
