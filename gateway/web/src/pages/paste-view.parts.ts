import { execute } from '../api/api.js';
import { DELETE_PASTE, UPDATE_PASTE, type PasteData, type Visibility } from '../api/operations.js';
import { explainError } from '../api/error-messages.js';
import { forgetDeleteToken } from '../auth/delete-tokens.js';
import { currentSession } from '../auth/session.js';
import { navigate } from '../router.js';
import { h } from '../ui/dom.js';
import { utf8Length } from '../ui/format.js';
import { extensionFor, highlight } from '../ui/highlight.js';
import { clearFieldErrors, errorNotice, flash, infoNotice, markField } from '../ui/notice.js';
import { pasteFields } from './paste-form.js';

/** Highlighted text and the language highlight.js used (declared or detected; null when shown as plain text). */
export interface CodeBlock {
  element: HTMLElement;
  language: string | null;
}

/** Line numbers beside the highlighted text; both are plain text nodes. */
export function codeBlock(content: string, language: string): CodeBlock {
  const { nodes, language: used } = highlight(content, language, utf8Length(content));
  const lines = content.endsWith('\n') ? content.split('\n').length - 1 : content.split('\n').length;
  const gutter = h(
    'pre',
    { className: 'gutter', attrs: { 'aria-hidden': 'true' } },
    Array.from({ length: Math.max(1, lines) }, (_, i) => i + 1).join('\n'),
  );
  const code = h('code', { className: `hljs${used ? ` language-${used}` : ''}`, data: { testid: 'paste-content' } });
  code.append(nodes);
  return { element: h('div', { className: 'code' }, gutter, h('pre', { className: 'text' }, code)), language: used };
}

interface ToolbarOptions {
  isOwner: boolean;
  isAdmin: boolean;
  deleteToken: string | undefined;
  /** Revealed burn-after-read content: nothing left on the server to edit or delete. */
  burned: boolean;
  container: HTMLElement;
  /** The language the content is in (declared, or detected for auto): names the download. */
  language: string;
}

/** This version's address: `?v=N` unless it is the latest (which the bare address always shows). */
function versionSuffix(paste: Pick<PasteData, 'version' | 'latestVersion'>): string {
  return paste.version !== paste.latestVersion ? `?v=${paste.version}` : '';
}

/** The page's shareable address (this origin, this version). */
export function pageUrl(paste: PasteData): string {
  return new URL(`/p/${paste.id}${versionSuffix(paste)}`, location.origin).href;
}

/** The raw text of the version shown (the gateway's `/raw/:id?v=N`, as the schema's rawUrl names it). */
export function rawPath(paste: PasteData): string {
  return `/raw/${paste.id}${versionSuffix(paste)}`;
}

/** Copy, download, copy link, raw, and (when allowed) edit and delete. */
export function pasteToolbar(paste: PasteData, opts: ToolbarOptions): HTMLElement {
  const bar = h('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Paste actions' } });
  const status = h('span', { className: 'toolbar-status', attrs: { 'aria-live': 'polite' } });
  const content = paste.content;
  if (content !== null) {
    const copy = h('button', { type: 'button', data: { testid: 'copy' } }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(content);
        status.textContent = 'Copied to the clipboard.';
      } catch {
        status.textContent = 'Copying was blocked by the browser: select the text and copy it.';
      }
    });
    const download = h('button', { type: 'button', data: { testid: 'download' } }, 'Download');
    download.addEventListener('click', () => {
      const url = URL.createObjectURL(new Blob([content], { type: 'text/plain;charset=utf-8' }));
      const a = h('a', { href: url, download: `${paste.id}.${extensionFor(opts.language)}` });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
    bar.append(copy, download);
  }
  // A burned paste's link is dead: nothing to share.
  if (!opts.burned) bar.append(copyLinkButton(pageUrl(paste), status));
  if (!opts.burned && !paste.burnAfterRead) {
    bar.append(
      h('a', { className: 'button', href: rawPath(paste), data: { testid: 'raw' }, attrs: { rel: 'nofollow' } }, 'Raw'),
    );
  }
  if (opts.burned) return withStatus(bar, status);
  if (opts.isOwner && content !== null) {
    const edit = h('button', { type: 'button', data: { testid: 'edit' } }, 'Edit');
    edit.addEventListener('click', () => opts.container.replaceChildren(editForm(paste)));
    bar.append(edit);
  }
  if (opts.isOwner || opts.isAdmin || opts.deleteToken) bar.append(deleteButton(paste.id, opts.deleteToken, status));
  else bar.append(deleteWithToken(paste.id, status));
  return withStatus(bar, status);
}

/**
 * Copies the page's address. Without a usable clipboard (insecure origin, permission
 * refused) the address is shown selected in a read-only field to copy by hand.
 */
function copyLinkButton(url: string, status: HTMLElement): HTMLButtonElement {
  const button = h('button', { type: 'button', data: { testid: 'copy-link' } }, 'Copy link');
  button.addEventListener('click', async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard here');
      await navigator.clipboard.writeText(url);
      status.replaceChildren('Link copied to the clipboard.');
    } catch {
      const field = h('input', {
        type: 'text',
        readOnly: true,
        value: url,
        className: 'link-field',
        data: { testid: 'link-field' },
        attrs: { 'aria-label': 'Link to this paste' },
      });
      status.replaceChildren('Copy this link: ', field);
      field.focus();
      field.select();
    }
  });
  return button;
}

function withStatus(bar: HTMLElement, status: HTMLElement): HTMLElement {
  bar.append(status);
  return bar;
}

/** Two clicks, no modal dialog: "Delete" then "Yes, delete". */
function deleteButton(id: string, deleteToken: string | undefined, status: HTMLElement): HTMLElement {
  const wrap = h('span', { className: 'delete' });
  const ask = h('button', { type: 'button', className: 'danger', data: { testid: 'delete' } }, 'Delete');
  ask.addEventListener('click', () => {
    const yes = h(
      'button',
      { type: 'button', className: 'danger', data: { testid: 'confirm-delete' } },
      'Yes, delete it',
    );
    const no = h('button', { type: 'button' }, 'Cancel');
    no.addEventListener('click', () => wrap.replaceChildren(ask));
    yes.addEventListener('click', () => void runDelete(id, deleteToken, status, yes));
    wrap.replaceChildren('Delete this paste and all its versions? ', yes, no);
  });
  wrap.append(ask);
  return wrap;
}

/** For someone holding a delete token this browser does not know about. */
function deleteWithToken(id: string, status: HTMLElement): HTMLElement {
  const details = h('details', { className: 'delete-token' }, h('summary', {}, 'Delete with a token'));
  const input = h('input', {
    type: 'text',
    name: 'deleteToken',
    placeholder: 'Delete token',
    attrs: { autocomplete: 'off', 'aria-label': 'Delete token' },
  });
  const go = h('button', { type: 'button', className: 'danger' }, 'Delete');
  go.addEventListener('click', () => void runDelete(id, input.value.trim(), status, go));
  details.append(input, go);
  return details;
}

async function runDelete(
  id: string,
  deleteToken: string | undefined,
  status: HTMLElement,
  button: HTMLButtonElement,
): Promise<void> {
  button.disabled = true;
  const res = await execute(DELETE_PASTE, { id, deleteToken: deleteToken || null });
  button.disabled = false;
  if (!res.data?.deletePaste) {
    status.replaceChildren(errorNotice(res.errors[0]));
    return;
  }
  forgetDeleteToken(id);
  flash(() => infoNotice('success', 'The paste was deleted.'));
  navigate('/', { replaceState: true });
}

/** The owner edits: saving stores a new version and shows it. */
function editForm(paste: PasteData): HTMLElement {
  const fields = pasteFields(
    { content: paste.content ?? '', title: paste.title ?? '', language: paste.language, visibility: paste.visibility },
    currentSession() !== null,
  );
  const save = h('button', { type: 'submit', className: 'primary' }, 'Save as new version');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => navigate(location.pathname + location.search, { replaceState: true }));
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const form = h(
    'form',
    { id: 'edit-paste', noValidate: true },
    h('h1', {}, 'Edit paste'),
    ...fields.elements,
    h('div', { className: 'actions' }, save, cancel),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    save.disabled = true;
    const input = {
      id: paste.id,
      content: fields.content.value,
      title: fields.title.value.trim(),
      language: fields.language.value,
      visibility: fields.visibility.value as Visibility,
    };
    const res = await execute(UPDATE_PASTE, { input });
    save.disabled = false;
    if (!res.data?.updatePaste) {
      const err = res.errors[0]!;
      status.replaceChildren(errorNotice(err));
      markField(form, explainError(err).field ?? err.field, explainError(err).detail);
      return;
    }
    flash(() => infoNotice('success', `Saved as version ${res.data!.updatePaste.version}.`));
    navigate(`/p/${paste.id}`, { replaceState: true });
  });
  return form;
}
