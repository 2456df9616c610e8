import { execute } from '../api/api.js';
import type { ApiError } from '../api/api-error.js';
import { explainError } from '../api/error-messages.js';
import { CREATE_PASTE, type Expiry, type Visibility } from '../api/operations.js';
import { currentSession } from '../auth/session.js';
import { rememberDeleteToken } from '../auth/delete-tokens.js';
import { navigate, type Page } from '../router.js';
import { field, h } from '../ui/dom.js';
import { clearFieldErrors, errorNotice, markField, takeFlash } from '../ui/notice.js';
import { pasteFields } from './paste-form.js';

const EXPIRIES: [Expiry | '', string][] = [
  ['', 'Default'],
  ['TEN_MINUTES', '10 minutes'],
  ['ONE_HOUR', '1 hour'],
  ['ONE_DAY', '1 day'],
  ['ONE_WEEK', '1 week'],
  ['ONE_MONTH', '1 month'],
  ['ONE_YEAR', '1 year'],
  ['NEVER', 'Never'],
];

/** `/`: write a new paste. */
export const newPastePage: Page = (container) => {
  const signedIn = currentSession() !== null;
  const fields = pasteFields({}, signedIn);
  const expiry = h(
    'select',
    { name: 'expiry', id: 'expiry' },
    ...EXPIRIES.map(([v, label]) => h('option', { value: v }, label)),
  );
  const burn = h('input', { type: 'checkbox', name: 'burnAfterRead', id: 'burnAfterRead' });
  const submit = h('button', { type: 'submit', className: 'primary' }, 'Create paste');
  const status = h('div', { className: 'status', attrs: { 'aria-live': 'polite' } });
  const form = h(
    'form',
    { id: 'new-paste', noValidate: true },
    ...fields.elements,
    h(
      'div',
      { className: 'row' },
      field('Expires after', expiry),
      h(
        'div',
        { className: 'field checkbox' },
        burn,
        h('label', { htmlFor: 'burnAfterRead' }, 'Burn after read'),
        h('small', { className: 'hint' }, 'Deleted the first time someone reads it.'),
      ),
    ),
    h('div', { className: 'actions' }, submit, h('small', { className: 'hint' }, 'Ctrl+Enter to create')),
    status,
  );

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    status.replaceChildren();
    if (fields.content.value.length === 0) {
      markField(form, 'content', 'Write or paste something first.');
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Creating…';
    const input = {
      content: fields.content.value,
      title: fields.title.value.trim() || null,
      language: fields.language.value || null,
      visibility: fields.visibility.value as Visibility,
      expiry: (expiry.value || null) as Expiry | null,
      burnAfterRead: burn.checked,
    };
    const res = await execute(CREATE_PASTE, { input });
    submit.disabled = false;
    submit.textContent = 'Create paste';
    const created = res.data?.createPaste;
    if (!created) {
      const err = res.errors[0]!;
      status.replaceChildren(errorNotice(err));
      const { field: name, detail } = explainError(err as ApiError);
      markField(form, name ?? err.field, detail);
      return;
    }
    if (created.deleteToken) rememberDeleteToken(created.paste.id, created.deleteToken);
    navigate(`/p/${created.paste.id}${created.deleteToken ? '?created=1' : ''}`);
  });

  container.append(h('h1', {}, 'New paste'), takeFlash() ?? '', form);
  fields.content.focus();
};
