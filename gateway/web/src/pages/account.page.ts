import { postGraphQL, type GraphQLResult } from '../api/graphql-client.js';
import { explainError } from '../api/error-messages.js';
import { LOGIN, LOGOUT, REGISTER, type AuthPayload } from '../api/operations.js';
import { currentSession, endSession, startSession } from '../auth/session.js';
import { navigate, type Page } from '../router.js';
import { field, h, link } from '../ui/dom.js';
import { clearFieldErrors, errorNotice, flash, infoNotice, markField, takeFlash } from '../ui/notice.js';

/** Where to go after signing in: `?next=` when it is a path in this app, else "my pastes". */
function nextPath(query: URLSearchParams): string {
  const next = query.get('next') ?? '';
  return /^\/(?!\/)[\w\-/?=&.]*$/.test(next) ? next : '/mine';
}

/** The payload of a login or register result (both return an AuthPayload). */
function pick<T, R>(res: GraphQLResult<T>, field: (data: T) => R): GraphQLResult<R> {
  return { data: res.data ? field(res.data) : null, errors: res.errors };
}

function authPage(kind: 'login' | 'register'): Page {
  return (container, { query }) => {
    const email = h('input', {
      type: 'email',
      name: 'email',
      id: 'email',
      required: true,
      attrs: { autocomplete: 'email' },
    });
    const password = h('input', {
      type: 'password',
      name: 'password',
      id: 'password',
      required: true,
      minLength: kind === 'register' ? 8 : 1,
      attrs: { autocomplete: kind === 'register' ? 'new-password' : 'current-password' },
    });
    const displayName = h('input', {
      type: 'text',
      name: 'displayName',
      id: 'displayName',
      required: true,
      maxLength: 64,
      attrs: { autocomplete: 'nickname' },
    });
    const submit = h(
      'button',
      { type: 'submit', className: 'primary' },
      kind === 'login' ? 'Sign in' : 'Create account',
    );
    const status = h('div', { attrs: { 'aria-live': 'polite' } });
    const form = h(
      'form',
      { id: `${kind}-form`, noValidate: true, className: 'narrow' },
      field('Email', email),
      kind === 'register' ? field('Display name', displayName, 'Shown next to your pastes.') : null,
      field('Password', password, kind === 'register' ? '8 to 128 characters.' : undefined),
      h('div', { className: 'actions' }, submit),
      status,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      status.replaceChildren();
      submit.disabled = true;
      const res: GraphQLResult<AuthPayload> =
        kind === 'login'
          ? pick(await postGraphQL(LOGIN, { email: email.value.trim(), password: password.value }), (d) => d.login)
          : pick(
              await postGraphQL(REGISTER, {
                email: email.value.trim(),
                password: password.value,
                displayName: displayName.value.trim(),
              }),
              (d) => d.register,
            );
      submit.disabled = false;
      const payload = res.data;
      if (!payload) {
        const err = res.errors[0]!;
        status.replaceChildren(errorNotice(err));
        const explained = explainError(err);
        markField(form, explained.field ?? err.field, explained.detail);
        return;
      }
      startSession(payload.account, payload);
      flash(() => infoNotice('success', `Signed in as ${payload.account.user.displayName}.`));
      navigate(nextPath(query), { replaceState: true });
    });
    const other =
      kind === 'login'
        ? h('p', {}, 'No account yet? ', link(`/register${location.search}`, 'Create one'), '.')
        : h('p', {}, 'Already registered? ', link(`/login${location.search}`, 'Sign in'), '.');
    const already = currentSession()
      ? infoNotice('info', 'You are signed in already; signing in again switches account.')
      : '';
    container.append(
      h('h1', {}, kind === 'login' ? 'Sign in' : 'Create an account'),
      takeFlash() ?? '',
      already,
      form,
      other,
    );
    email.focus();
  };
}

export const loginPage = authPage('login');
export const registerPage = authPage('register');

/** Revokes the refresh token on the server (best effort), then forgets the session. */
export async function logout(): Promise<void> {
  const s = currentSession();
  if (s) await postGraphQL(LOGOUT, { refreshToken: s.refreshToken });
  endSession();
  flash(() => infoNotice('success', 'Signed out.'));
  navigate('/');
}
