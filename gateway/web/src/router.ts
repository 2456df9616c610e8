import { replace } from './ui/dom.js';

/** A page renders into its own container; navigating away detaches it, so late async work lands nowhere. */
export type Page = (
  container: HTMLElement,
  params: { match: string[]; query: URLSearchParams },
) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  page: Page;
  title: string;
}

const routes: Route[] = [];
let outlet: HTMLElement;
let onNavigate: () => void = () => {};

/** Registers a page for a path pattern (matched against location.pathname). */
export function route(pattern: RegExp, title: string, page: Page): void {
  routes.push({ pattern, page, title });
}

/** Starts routing into `element`: link clicks and back/forward render without reloading. */
export function startRouter(element: HTMLElement, afterNavigate: () => void): void {
  outlet = element;
  onNavigate = afterNavigate;
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a[data-link]');
    if (
      !(a instanceof HTMLAnchorElement) ||
      e.defaultPrevented ||
      e.button !== 0 ||
      e.metaKey ||
      e.ctrlKey ||
      e.shiftKey ||
      e.altKey
    )
      return;
    if (a.origin !== location.origin) return;
    e.preventDefault();
    navigate(a.pathname + a.search);
  });
  window.addEventListener('popstate', () => void render());
  void render();
}

/** Goes to a path inside the app. */
export function navigate(path: string, { replaceState = false } = {}): void {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render();
}

async function render(): Promise<void> {
  const container = document.createElement('div');
  container.className = 'page';
  replace(outlet, container);
  onNavigate();
  const path = location.pathname;
  for (const r of routes) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    document.title = `${r.title} · Pastemesh`;
    await r.page(container, { match: Array.from(match), query: new URLSearchParams(location.search) });
    return;
  }
  document.title = 'Not found · Pastemesh';
  container.textContent = 'There is no page at this address.';
}
