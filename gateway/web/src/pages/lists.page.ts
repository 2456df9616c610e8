import { request } from '../api/api.js';
import { MY_PASTES, TOP_PASTES, type PasteSummary, type TopWindow } from '../api/operations.js';
import { currentSession } from '../auth/session.js';
import type { Page } from '../router.js';
import { h, link } from '../ui/dom.js';
import { errorNotice, takeFlash } from '../ui/notice.js';
import { pasteTable } from '../ui/paste-meta.js';

const PAGE_SIZE = 20;

/** `/mine`: the signed-in user's pastes, all visibilities, newest first, with "Load more". */
export const myPastesPage: Page = async (container) => {
  container.append(h('h1', {}, 'My pastes'), takeFlash() ?? '');
  if (!currentSession()) {
    container.append(h('p', { data: { testid: 'sign-in-needed' } }, link('/login?next=/mine', 'Sign in'), ' to see your pastes.'));
    return;
  }
  const list = h('div');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  container.append(list, more);
  const rows: { paste: PasteSummary }[] = [];
  let after: string | null = null;
  const load = async () => {
    more.disabled = true;
    try {
      const { data } = await request(MY_PASTES, { first: PAGE_SIZE, after });
      rows.push(...data.myPastes.edges.map((e) => ({ paste: e.node })));
      after = data.myPastes.pageInfo.endCursor;
      more.hidden = !data.myPastes.pageInfo.hasNextPage;
      list.replaceChildren(rows.length ? pasteTable(rows, 'my-pastes') : h('p', {}, 'No pastes yet. ', link('/', 'Create one'), '.'));
    } catch (err) {
      list.append(errorNotice(err));
    }
    more.disabled = false;
  };
  more.addEventListener('click', () => void load());
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
    ...WINDOWS.map(([w, label]) => link(`/top?window=${w}`, label, w === win ? { attrs: { 'aria-current': 'page' } } : {})),
  );
  const list = h('div', {}, h('p', { className: 'loading' }, 'Loading…'));
  container.append(h('h1', {}, 'Top pastes'), tabs, list);
  try {
    const { data } = await request(TOP_PASTES, { window: win, limit: 25 });
    list.replaceChildren(data.topPastes.length ? pasteTable(data.topPastes, 'top-pastes') : h('p', {}, 'No views counted in this window yet.'));
  } catch (err) {
    list.replaceChildren(errorNotice(err));
  }
};
