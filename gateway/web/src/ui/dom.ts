/**
 * The only way this client builds DOM: elements with properties and children,
 * where every string child becomes a Text node. Nothing here (or anywhere in
 * the client) assigns innerHTML, so paste content can never become markup.
 */
export type Child = Node | string | number | null | undefined | false;

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>> & {
  /** data-* attributes (tests select by data-testid). */
  data?: Record<string, string>;
  /** Plain attributes (aria-*, for, …). */
  attrs?: Record<string, string>;
};

/** Creates an element; string children are always text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props<K> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  const { data, attrs, ...rest } = props;
  Object.assign(el, rest);
  for (const [k, v] of Object.entries(data ?? {})) el.dataset[k] = v;
  for (const [k, v] of Object.entries(attrs ?? {})) el.setAttribute(k, v);
  append(el, ...children);
  return el;
}

/** Appends children; strings and numbers as Text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    );
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A link handled by the client-side router (see router.ts). */
export function link(href: string, text: Child, props: Props<'a'> = {}): HTMLAnchorElement {
  return h('a', { ...props, href, data: { ...props.data, link: '' } }, text);
}

/** A labelled form field wrapper. */
export function field(label: string, control: HTMLElement, hint?: Child): HTMLDivElement {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  return h(
    'div',
    { className: 'field' },
    h('label', { htmlFor: control.id }, label),
    control,
    hint ? h('small', { className: 'hint' }, hint) : null,
  );
}
