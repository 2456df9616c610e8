import { execute } from '../api/api.js';
import { LANGUAGES, type Visibility } from '../api/operations.js';
import { field, h } from '../ui/dom.js';
import { formatBytes, utf8Length } from '../ui/format.js';

/** Languages change rarely: ask once per page load. */
let languages: Promise<{ id: string; name: string }[]> | undefined;
function loadLanguages() {
  languages ??= execute(LANGUAGES, {}).then((r) => r.data?.languages ?? [{ id: 'auto', name: 'Auto-detect' }]);
  return languages;
}

/** The fields shared by "new paste" and "edit as a new version". */
export interface PasteFields {
  content: HTMLTextAreaElement;
  title: HTMLInputElement;
  language: HTMLSelectElement;
  visibility: HTMLSelectElement;
  elements: HTMLElement[];
}

/** Builds content/title/language/visibility controls (names match the API's `field` values). */
export function pasteFields(
  initial: { content?: string; title?: string; language?: string; visibility?: Visibility },
  signedIn: boolean,
): PasteFields {
  const content = h('textarea', {
    name: 'content',
    id: 'content',
    required: true,
    rows: 14,
    spellcheck: false,
    value: initial.content ?? '',
    placeholder: 'Paste text or code here',
    attrs: { autocomplete: 'off', autocapitalize: 'off' },
  });
  const size = h('small', { className: 'hint', attrs: { 'aria-live': 'polite' } });
  const updateSize = () => (size.textContent = formatBytes(utf8Length(content.value)));
  content.addEventListener('input', updateSize);
  updateSize();
  const title = h('input', {
    name: 'title',
    id: 'title',
    type: 'text',
    maxLength: 200,
    value: initial.title ?? '',
    placeholder: 'Optional',
  });
  const language = h(
    'select',
    { name: 'language', id: 'language' },
    h('option', { value: initial.language ?? 'auto' }, initial.language ?? 'Auto-detect'),
  );
  void loadLanguages().then((list) => {
    const chosen = language.value;
    language.replaceChildren(...list.map((l) => h('option', { value: l.id, selected: l.id === chosen }, l.name)));
  });
  const visibility = h(
    'select',
    { name: 'visibility', id: 'visibility' },
    h('option', { value: 'PUBLIC' }, 'Public: listed, anyone with the link'),
    h('option', { value: 'UNLISTED' }, 'Unlisted: anyone with the link'),
    h('option', { value: 'PRIVATE', disabled: !signedIn }, signedIn ? 'Private: only you' : 'Private: sign in first'),
  );
  visibility.value = initial.visibility ?? 'PUBLIC';
  const elements = [
    h('div', { className: 'field' }, h('label', { htmlFor: 'content' }, 'Content'), content, size),
    h('div', { className: 'row' }, field('Title', title), field('Language', language), field('Visibility', visibility)),
  ];
  return { content, title, language, visibility, elements };
}
