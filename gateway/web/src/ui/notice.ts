import { ApiError } from '../api/api-error.js';
import { explainError } from '../api/error-messages.js';
import { h } from './dom.js';

/** An error box a screen reader announces; rate limits count down to when retrying may work. */
export function errorNotice(err: unknown): HTMLDivElement {
  const apiError =
    err instanceof ApiError
      ? err
      : new ApiError({ message: String(err), extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  if (!(err instanceof ApiError)) console.error(err);
  const { title, detail, retryAfter } = explainError(apiError);
  const text = h('p', {}, detail);
  const box = h(
    'div',
    { className: 'notice error', attrs: { role: 'alert' }, data: { testid: 'error', code: apiError.code } },
    h('strong', {}, title),
    text,
  );
  if (apiError.reason) box.dataset['reason'] = apiError.reason;
  if (retryAfter) {
    let left = retryAfter;
    const timer = setInterval(() => {
      left -= 1;
      if (!box.isConnected || left <= 0) {
        clearInterval(timer);
        if (box.isConnected) text.textContent = 'You can try again now.';
        return;
      }
      text.textContent = `Too many requests. Try again in ${left} second${left === 1 ? '' : 's'}.`;
    }, 1000);
  }
  return box;
}

/** A neutral or success message. */
export function infoNotice(kind: 'info' | 'success' | 'warning', ...children: (Node | string)[]): HTMLDivElement {
  return h(
    'div',
    { className: `notice ${kind}`, attrs: { role: 'status' }, data: { testid: `notice-${kind}` } },
    ...children,
  );
}

let pendingFlash: (() => HTMLElement) | undefined;

/** A message for the next page shown (e.g. "Paste deleted" after navigating home). */
export function flash(make: () => HTMLElement): void {
  pendingFlash = make;
}

/** Takes the pending flash message, if any. */
export function takeFlash(): HTMLElement | null {
  const make = pendingFlash;
  pendingFlash = undefined;
  return make ? make() : null;
}

/** Marks the form control for `field` invalid and shows the message beside it; returns true if found. */
export function markField(form: HTMLFormElement, field: string | undefined, message: string): boolean {
  if (!field) return false;
  const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
  if (!control) return false;
  control.setAttribute('aria-invalid', 'true');
  const hint = h('small', { className: 'field-error', data: { testid: `field-error-${field}` } }, message);
  control.insertAdjacentElement('afterend', hint);
  control.addEventListener(
    'input',
    () => {
      control.removeAttribute('aria-invalid');
      hint.remove();
    },
    { once: true },
  );
  control.focus();
  return true;
}

/** Clears every field error in a form. */
export function clearFieldErrors(form: HTMLFormElement): void {
  for (const el of Array.from(form.querySelectorAll('.field-error'))) el.remove();
  for (const el of Array.from(form.querySelectorAll('[aria-invalid]'))) el.removeAttribute('aria-invalid');
}
