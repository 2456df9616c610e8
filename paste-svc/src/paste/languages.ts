import { create } from '@bufbuild/protobuf';
import { LanguageSchema, type Language } from '@pastemesh/gen/paste';

/** Asks readers (or a highlighter) to guess the language; what an empty `language` means. */
export const AUTO_LANGUAGE = 'auto';

/**
 * The languages a paste may declare, "auto" first. Ids are lower-case and
 * stable (clients store them); names are for people. Documented in README.md.
 */
export const LANGUAGES: readonly { id: string; name: string }[] = Object.freeze([
  { id: 'auto', name: 'Auto-detect' },
  { id: 'plaintext', name: 'Plain text' },
  { id: 'bash', name: 'Bash' },
  { id: 'c', name: 'C' },
  { id: 'cpp', name: 'C++' },
  { id: 'csharp', name: 'C#' },
  { id: 'css', name: 'CSS' },
  { id: 'diff', name: 'Diff' },
  { id: 'dockerfile', name: 'Dockerfile' },
  { id: 'elixir', name: 'Elixir' },
  { id: 'go', name: 'Go' },
  { id: 'graphql', name: 'GraphQL' },
  { id: 'haskell', name: 'Haskell' },
  { id: 'html', name: 'HTML' },
  { id: 'ini', name: 'INI' },
  { id: 'java', name: 'Java' },
  { id: 'javascript', name: 'JavaScript' },
  { id: 'json', name: 'JSON' },
  { id: 'kotlin', name: 'Kotlin' },
  { id: 'lua', name: 'Lua' },
  { id: 'makefile', name: 'Makefile' },
  { id: 'markdown', name: 'Markdown' },
  { id: 'perl', name: 'Perl' },
  { id: 'php', name: 'PHP' },
  { id: 'protobuf', name: 'Protocol Buffers' },
  { id: 'python', name: 'Python' },
  { id: 'r', name: 'R' },
  { id: 'ruby', name: 'Ruby' },
  { id: 'rust', name: 'Rust' },
  { id: 'scala', name: 'Scala' },
  { id: 'sql', name: 'SQL' },
  { id: 'swift', name: 'Swift' },
  { id: 'toml', name: 'TOML' },
  { id: 'typescript', name: 'TypeScript' },
  { id: 'xml', name: 'XML' },
  { id: 'yaml', name: 'YAML' },
]);

const ids = new Set(LANGUAGES.map((l) => l.id));

/** True when `id` is an accepted language id (exact, lower-case). */
export function isKnownLanguage(id: string): boolean {
  return ids.has(id);
}

/** The list as ListLanguages answers it. */
export function languageMessages(): Language[] {
  return LANGUAGES.map((l) => create(LanguageSchema, l));
}
