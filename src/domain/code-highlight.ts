/**
 * Server-side syntax highlighting of fenced code (highlight.js), with optional line numbers. Only a set of common
 * languages is registered, and highlight.js itself is loaded on the first fence that names one: a wiki without code
 * never pays for it, and rendered HTML is cached by blob id, so a page pays once.
 */
import { createRequire } from 'node:module';

// The parts of highlight.js used here. Its own typings pull in the DOM library (`/// <reference lib="dom">`), which
// would change what `fetch` and friends mean across the whole server build, so they are not imported.
type LanguageFn = (api: unknown) => unknown;
interface HLJSApi {
  newInstance(): HLJSApi;
  registerLanguage(name: string, language: LanguageFn): void;
  getLanguage(name: string): unknown;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
  configure(options: { ignoreUnescapedHTML?: boolean; throwUnescapedHTML?: boolean }): void;
}

/** Languages registered (each brings its own aliases: js, ts, py, sh, html, yml, c++, …). */
export const HIGHLIGHT_LANGUAGES = [
  'bash',
  'c',
  'cpp',
  'csharp',
  'css',
  'diff',
  'dockerfile',
  'go',
  'graphql',
  'haskell',
  'ini',
  'java',
  'javascript',
  'json',
  'julia',
  'kotlin',
  'latex',
  'lua',
  'makefile',
  'markdown',
  'matlab',
  'nginx',
  'perl',
  'php',
  'plaintext',
  'powershell',
  'python',
  'python-repl',
  'r',
  'ruby',
  'rust',
  'scala',
  'scss',
  'shell',
  'sql',
  'swift',
  'typescript',
  'xml',
  'yaml',
] as const;

/** The fence options that turn line numbers on: ```` ```python linenums ```` (or Otterwiki's `{linenos}`). */
const LINE_NUMBER_OPTIONS = new Set(['linenums', '{linenos}', 'linenos']);

let hljs: HLJSApi | null = null;

function highlighter(): HLJSApi {
  if (hljs) return hljs;
  const require = createRequire(import.meta.url);
  const core = (require('highlight.js/lib/core') as HLJSApi).newInstance();
  for (const name of HIGHLIGHT_LANGUAGES) {
    core.registerLanguage(name, require(`highlight.js/lib/languages/${name}`) as LanguageFn);
  }
  core.configure({ ignoreUnescapedHTML: true, throwUnescapedHTML: false });
  hljs = core;
  return core;
}

export interface FenceInfo {
  /** Lowercased first word of the info string, '' when none. */
  lang: string;
  lineNumbers: boolean;
}

/** Reads a fence's info string: the language, then options (`linenums`). */
export function parseFenceInfo(info: string): FenceInfo {
  const words = info
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const first = words[0]?.toLowerCase() ?? '';
  // ```` ```{linenos} ```` alone: options without a language.
  const lang = LINE_NUMBER_OPTIONS.has(first) ? '' : first;
  const lineNumbers = words.some((w) => LINE_NUMBER_OPTIONS.has(w.toLowerCase()));
  return { lang, lineNumbers };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * A fenced code block as HTML: `<pre><code class="hljs language-x">` with highlight.js spans when the language is
 * known, plain escaped text otherwise; with line numbers, a gutter the copy button and text selection skip.
 */
export function renderCodeBlock(code: string, info: FenceInfo): string {
  let body: string;
  let langClass = '';
  const engine = info.lang === '' ? null : highlighter();
  if (engine && engine.getLanguage(info.lang)) {
    body = engine.highlight(code, { language: info.lang, ignoreIllegals: true }).value;
    langClass = ` class="hljs language-${escapeHtml(info.lang)}"`;
  } else {
    body = escapeHtml(code);
    if (info.lang !== '') langClass = ` class="language-${escapeHtml(info.lang)}"`;
  }
  if (!info.lineNumbers) return `<pre><code${langClass}>${body}</code></pre>\n`;
  const lines = code.endsWith('\n') ? code.split('\n').length - 1 : code.split('\n').length;
  const numbers = Array.from({ length: Math.max(lines, 1) }, (_, i) => String(i + 1)).join('\n');
  return `<pre class="linenums"><span class="linenos" aria-hidden="true">${numbers}</span><code${langClass}>${body}</code></pre>\n`;
}
