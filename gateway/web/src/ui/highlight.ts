import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import elixir from 'highlight.js/lib/languages/elixir';
import go from 'highlight.js/lib/languages/go';
import graphql from 'highlight.js/lib/languages/graphql';
import haskell from 'highlight.js/lib/languages/haskell';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import lua from 'highlight.js/lib/languages/lua';
import makefile from 'highlight.js/lib/languages/makefile';
import markdown from 'highlight.js/lib/languages/markdown';
import perl from 'highlight.js/lib/languages/perl';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import protobuf from 'highlight.js/lib/languages/protobuf';
import python from 'highlight.js/lib/languages/python';
import r from 'highlight.js/lib/languages/r';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import scala from 'highlight.js/lib/languages/scala';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

// Only the languages paste-svc accepts (paste-svc/src/paste/languages.ts), keeping the bundle small.
const GRAMMARS = {
  bash,
  c,
  cpp,
  csharp,
  css,
  diff,
  dockerfile,
  elixir,
  go,
  graphql,
  haskell,
  ini,
  java,
  javascript,
  json,
  kotlin,
  lua,
  makefile,
  markdown,
  perl,
  php,
  plaintext,
  protobuf,
  python,
  r,
  ruby,
  rust,
  scala,
  sql,
  swift,
  typescript,
  xml,
  yaml,
};
for (const [name, grammar] of Object.entries(GRAMMARS)) hljs.registerLanguage(name, grammar);
hljs.configure({ classPrefix: 'hljs-' });

/** Paste-svc language ids that highlight.js knows under another name. */
const ALIASES: Record<string, string> = { html: 'xml', toml: 'ini' };
/** Beyond these sizes highlighting costs more than it helps: show plain text. */
const MAX_HIGHLIGHT_BYTES = 256 * 1024;
const MAX_AUTODETECT_BYTES = 32 * 1024;

/** Token classes highlight.js emits: `hljs-keyword`, `hljs-title function_`, `language-xml`. */
const SAFE_CLASS = /^(hljs-[a-z0-9-]+|[a-z0-9]+_+|language-[a-z0-9-]+)$/;

/** What was rendered: the nodes and the language actually used. */
export interface Highlighted {
  nodes: DocumentFragment;
  language: string | null;
}

/**
 * Highlights text and returns DOM nodes. highlight.js escapes its input, but
 * its output is still an HTML string; instead of trusting that, it is parsed
 * in an inert document (nothing there loads or runs) and rebuilt from a
 * whitelist: text nodes, and spans with token classes only.
 */
export function highlight(text: string, language: string, bytes: number): Highlighted {
  const fragment = document.createDocumentFragment();
  const id = ALIASES[language] ?? language;
  let html: string | null = null;
  let used: string | null = null;
  if (bytes <= MAX_HIGHLIGHT_BYTES && id !== 'plaintext') {
    if (id !== 'auto' && hljs.getLanguage(id)) {
      html = hljs.highlight(text, { language: id, ignoreIllegals: true }).value;
      used = id;
    } else if (bytes <= MAX_AUTODETECT_BYTES) {
      const auto = hljs.highlightAuto(text);
      if (auto.language && auto.relevance >= 5) {
        html = auto.value;
        used = auto.language;
      }
    }
  }
  if (html === null) {
    fragment.appendChild(document.createTextNode(text));
    return { nodes: fragment, language: null };
  }
  const inert = new DOMParser().parseFromString(`<pre>${html}</pre>`, 'text/html');
  copySafe(inert.body.firstChild ?? inert.body, fragment);
  return { nodes: fragment, language: used };
}

function copySafe(from: Node, to: Node): void {
  for (const node of Array.from(from.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.appendChild(document.createTextNode(node.nodeValue ?? ''));
    } else if (node instanceof Element) {
      if (node.tagName === 'SPAN') {
        const span = document.createElement('span');
        const classes = Array.from(node.classList).filter((c) => SAFE_CLASS.test(c));
        if (classes.length > 0) span.className = classes.join(' ');
        copySafe(node, span);
        to.appendChild(span);
      } else {
        // Never expected from highlight.js; keep only its text.
        copySafe(node, to);
      }
    }
  }
}

/** File extension for downloads. */
export function extensionFor(language: string): string {
  const ext: Record<string, string> = {
    bash: 'sh',
    c: 'c',
    cpp: 'cpp',
    csharp: 'cs',
    css: 'css',
    diff: 'diff',
    dockerfile: 'Dockerfile',
    elixir: 'ex',
    go: 'go',
    graphql: 'graphql',
    haskell: 'hs',
    html: 'html',
    ini: 'ini',
    java: 'java',
    javascript: 'js',
    json: 'json',
    kotlin: 'kt',
    lua: 'lua',
    makefile: 'mk',
    markdown: 'md',
    perl: 'pl',
    php: 'php',
    protobuf: 'proto',
    python: 'py',
    r: 'r',
    ruby: 'rb',
    rust: 'rs',
    scala: 'scala',
    sql: 'sql',
    swift: 'swift',
    toml: 'toml',
    typescript: 'ts',
    xml: 'xml',
    yaml: 'yaml',
  };
  return ext[language] ?? 'txt';
}
