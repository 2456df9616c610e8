import './styles/app.css';
import { currentSession, onSessionChange } from './auth/session.js';
import { loginPage, logout, registerPage } from './pages/account.page.js';
import { myPastesPage, topPastesPage } from './pages/lists.page.js';
import { newPastePage } from './pages/new-paste.page.js';
import { pasteViewPage } from './pages/paste-view.page.js';
import { route, startRouter } from './router.js';
import { h, link, replace } from './ui/dom.js';

// Paths here must also be served index.html by gateway/src/http/web.routes.ts.
route(/^\/$/, 'New paste', newPastePage);
route(/^\/p\/([A-Za-z0-9_-]{1,64})\/?$/, 'Paste', pasteViewPage);
route(/^\/login$/, 'Sign in', loginPage);
route(/^\/register$/, 'Create account', registerPage);
route(/^\/mine$/, 'My pastes', myPastesPage);
route(/^\/top$/, 'Top pastes', topPastesPage);

const nav = h('nav', { className: 'site-nav', attrs: { 'aria-label': 'Main' } });

/** The header links; which ones depends on whether someone is signed in. */
function renderNav(): void {
  const session = currentSession();
  const here = location.pathname;
  const item = (href: string, text: string) =>
    link(href, text, here === href ? { attrs: { 'aria-current': 'page' } } : {});
  const account = session
    ? [
        h('span', { className: 'who', data: { testid: 'signed-in-as' } }, session.account.user.displayName),
        (() => {
          const b = h('button', { type: 'button', className: 'link', data: { testid: 'logout' } }, 'Sign out');
          b.addEventListener('click', () => void logout());
          return b;
        })(),
      ]
    : [item('/login', 'Sign in'), item('/register', 'Register')];
  replace(
    nav,
    item('/', 'New paste'),
    item('/top', 'Top'),
    session ? item('/mine', 'My pastes') : null,
    h('span', { className: 'spacer' }),
    ...account,
  );
}

const root = document.getElementById('root')!;
const outlet = h('main', { id: 'main' });
replace(root, h('header', { className: 'site-header' }, link('/', 'Pastemesh', { className: 'brand' }), nav), outlet);
onSessionChange(renderNav);
startRouter(outlet, renderNav);
