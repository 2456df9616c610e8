import type { PasteSummary } from '../api/operations.js';
import { h, link } from './dom.js';
import { expiryText, formatBytes, relativeTime } from './format.js';

/** A list of pastes as a table: title, language, visibility, size, age, expiry (and views when ranked). */
export function pasteTable(rows: { paste: PasteSummary; views?: number }[], testid: string): HTMLTableElement {
  const withViews = rows.some((r) => r.views !== undefined);
  const body = h('tbody');
  for (const { paste, views } of rows) {
    body.appendChild(
      h(
        'tr',
        { data: { pasteId: paste.id } },
        h('td', {}, link(`/p/${paste.id}`, paste.title || 'Untitled', { className: paste.title ? '' : 'untitled' })),
        h('td', {}, paste.language),
        h('td', {}, visibilityBadge(paste)),
        // Null while a burn-after-read paste is concealed: its size would hint at its content.
        h(
          'td',
          { className: 'num' },
          paste.sizeBytes === null
            ? h('span', { className: 'muted', title: 'Hidden until the paste is read' }, 'hidden')
            : formatBytes(paste.sizeBytes),
        ),
        h('td', {}, h('time', { dateTime: paste.createdAt, title: paste.createdAt }, relativeTime(paste.createdAt))),
        h('td', {}, expiryText(paste.expiresAt)),
        withViews ? h('td', { className: 'num' }, String(views ?? 0)) : null,
      ),
    );
  }
  const head = h(
    'tr',
    {},
    ...['Title', 'Language', 'Visibility', 'Size', 'Created', 'Expiry', ...(withViews ? ['Views'] : [])].map((t) =>
      h('th', { scope: 'col' }, t),
    ),
  );
  return h('table', { className: 'pastes', data: { testid } }, h('thead', {}, head), body);
}

/** "public", "unlisted", "private", plus "burn after read". */
export function visibilityBadge(paste: Pick<PasteSummary, 'visibility' | 'burnAfterRead'>): HTMLSpanElement {
  return h(
    'span',
    { className: 'badges' },
    h('span', { className: `badge badge-${paste.visibility.toLowerCase()}` }, paste.visibility.toLowerCase()),
    paste.burnAfterRead ? h('span', { className: 'badge badge-burn' }, 'burn after read') : null,
  );
}
