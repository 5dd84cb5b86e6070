/**
 * Markdown to safe HTML: markdown-it with tables, strikethrough, footnotes, task lists, heading anchors, WikiLinks,
 * math (KaTeX, on the server), highlighted code (highlight.js, optional line numbers), mermaid, `==mark==`, abbreviations, GitHub alerts, `::: info` callouts and Otterwiki's `>!` spoiler and `>|`
 * fold blocks. Everything that leaves here has passed sanitize-html with an explicit
 * allowlist — pages are written by people and assistants alike, and raw HTML is allowed in markdown, so the
 * renderer's output is treated as untrusted until the sanitizer has seen it.
 */
import MarkdownIt from 'markdown-it';
import type { PluginSimple, StateBlock, StateCore, StateInline, Token } from 'markdown-it';
import abbr from 'markdown-it-abbr';
import anchorModule from 'markdown-it-anchor';
import container from 'markdown-it-container';
import footnotePlugin from 'markdown-it-footnote';
import taskLists from 'markdown-it-task-lists';
import { randomBytes } from 'node:crypto';
import sanitizeHtml from 'sanitize-html';
import { parseFenceInfo, renderCodeBlock } from './code-highlight.js';
import { renderMath } from './math-render.js';
import { pageKey } from './page-path.js';
import { parseWikiLink, type WikiLinkOrder } from './wikilinks.js';

export interface RenderContext {
  owner: string;
  wiki: string;
  /** Stored path of the page with this key (`pageKey`), or null when it does not exist. */
  resolvePage: (key: string) => string | null;
  /** Which side of a WikiLink's pipe is the page (the wiki's setting); `page-text` when omitted. */
  linkOrder?: WikiLinkOrder | undefined;
}

export interface TocEntry {
  level: number;
  text: string;
  id: string;
}

export interface RenderResult {
  html: string;
  toc: TocEntry[];
}

interface RenderEnv {
  context: RenderContext;
  /**
   * Typeset formulas. KaTeX's markup is sanitized with an allowlist of its own, so the page HTML carries only a
   * placeholder (`wbmath-<nonce>-<n>-wbmath`, the nonce random per render so page text cannot forge one) that is
   * swapped for the formula after the page allowlist has run.
   */
  math: string[];
  mathNonce: string;
}

// @types/markdown-it-footnote types the plugin against markdown-it's CommonJS typings; the runtime is the same.
const footnote = footnotePlugin as unknown as PluginSimple;
// markdown-it-anchor is CommonJS with `module.exports.default = module.exports`; take the function either way.
const anchor = (anchorModule as unknown as { default?: typeof anchorModule }).default ?? anchorModule;

type AlertKind = 'note' | 'tip' | 'important' | 'warning' | 'caution';
/** `::: <kind> [title]` callouts: Otterwiki's kinds (info, success, warning, danger, none) plus the alert kinds. */
const CALLOUT_KINDS = ['info', 'success', 'warning', 'danger', 'none', 'note', 'tip', 'important', 'caution'];
const CALLOUT_OPENER = new RegExp(`^(${CALLOUT_KINDS.join('|')})(?:\\s+(.*))?$`, 'i');
const ALERT_MARKER = /^\[!(note|tip|important|warning|caution)\][ \t]*(?:\n|$)/i;

/**
 * Heading ids in the GitHub manner: lowercase, punctuation dropped, spaces as `-`, letters of any script kept.
 * Exported so links to `[[Page#Heading]]` point at the id the heading gets.
 */
export function slugify(text: string): string {
  const slug = text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
  return slug === '' ? 'section' : slug;
}

function encodePagePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

function wikilinkRule(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const pos = state.pos;
  if (src.charCodeAt(pos) !== 0x5b || src.charCodeAt(pos + 1) !== 0x5b) return false;
  if (((state as StateInline & { linkLevel?: number }).linkLevel ?? 0) > 0) return false;
  const close = src.indexOf(']]', pos + 2);
  if (close === -1 || close + 2 > state.posMax) return false;
  const inner = src.slice(pos + 2, close);
  if (inner === '' || /[[\]\n]/.test(inner)) return false;
  const link = parseWikiLink(inner, (state.env as RenderEnv).context.linkOrder);
  if (!link.valid) return false;
  if (!silent) {
    const { context } = state.env as RenderEnv;
    const hash = link.anchor === null ? '' : `#${slugify(link.anchor)}`;
    let href: string;
    let className = 'wikilink';
    if (link.target === null) {
      href = hash;
    } else {
      const stored = context.resolvePage(pageKey(link.target));
      if (stored === null) {
        className = 'wikilink missing';
        href = `/${context.owner}/${context.wiki}/${encodePagePath(link.target)}?action=create`;
      } else {
        href = `/${context.owner}/${context.wiki}/${encodePagePath(stored)}${hash}`;
      }
    }
    const open = state.push('link_open', 'a', 1);
    open.attrs = [
      ['class', className],
      ['href', href],
    ];
    const text = state.push('text', '', 0);
    text.content = link.text !== null && link.text !== '' ? link.text : link.written;
    state.push('link_close', 'a', -1);
  }
  state.pos = close + 2;
  return true;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a;
}

/** `$…$` inline math (pandoc's rule: no space inside the dollars, no digit right after the closing one). */
function mathInlineRule(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x24) return false;
  const display = src.charCodeAt(start + 1) === 0x24;
  const open = display ? 2 : 1;
  const delimiter = display ? '$$' : '$';
  if (start + open >= state.posMax || isSpace(src.charCodeAt(start + open))) return false;
  let close = src.indexOf(delimiter, start + open);
  while (close !== -1 && close < state.posMax) {
    const before = src.charCodeAt(close - 1);
    const after = src.charCodeAt(close + open);
    if (!isSpace(before) && before !== 0x5c && !(after >= 0x30 && after <= 0x39)) break;
    close = src.indexOf(delimiter, close + 1);
  }
  if (close === -1 || close >= state.posMax || close === start + open) return false;
  if (!silent) {
    const token = state.push(display ? 'math_inline_display' : 'math_inline', 'span', 0);
    token.content = src.slice(start + open, close);
    token.markup = delimiter;
  }
  state.pos = close + open;
  return true;
}

/** `$$` display math on its own lines (`$$ … $$`, possibly on one line). */
function mathBlockRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const bMark = state.bMarks[startLine] ?? 0;
  const tShift = state.tShift[startLine] ?? 0;
  const eMark = state.eMarks[startLine] ?? 0;
  if ((state.sCount[startLine] ?? 0) - state.blkIndent >= 4) return false;
  const pos = bMark + tShift;
  if (!state.src.startsWith('$$', pos)) return false;
  const first = state.src.slice(pos + 2, eMark).trim();
  const lines: string[] = [];
  let next = startLine;
  let found = false;
  if (first.endsWith('$$') && first.length >= 2) {
    lines.push(first.slice(0, -2));
    found = true;
  } else if (first !== '') {
    lines.push(first);
  }
  while (!found) {
    next++;
    if (next >= endLine) break;
    const lineStart = (state.bMarks[next] ?? 0) + (state.tShift[next] ?? 0);
    const lineEnd = state.eMarks[next] ?? 0;
    if (lineStart < lineEnd && (state.sCount[next] ?? 0) < state.blkIndent) break;
    const line = state.src.slice(lineStart, lineEnd);
    if (line.trimEnd().endsWith('$$')) {
      const last = line.trimEnd().slice(0, -2);
      if (last.trim() !== '') lines.push(last);
      found = true;
    } else {
      lines.push(state.src.slice(state.bMarks[next] ?? 0, lineEnd));
    }
  }
  if (!found) return false;
  if (silent) return true;
  state.line = next + 1;
  const token = state.push('math_block', 'div', 0);
  token.block = true;
  token.content = lines.join('\n');
  token.markup = '$$';
  token.map = [startLine, state.line];
  return true;
}

/** `==marked==` text, parsed as inline markdown inside. */
function markRule(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x3d || src.charCodeAt(start + 1) !== 0x3d) return false;
  if (src.charCodeAt(start + 2) === 0x3d || isSpace(src.charCodeAt(start + 2))) return false;
  let close = src.indexOf('==', start + 2);
  while (close !== -1 && close < state.posMax && isSpace(src.charCodeAt(close - 1))) {
    close = src.indexOf('==', close + 1);
  }
  if (close === -1 || close + 2 > state.posMax || close === start + 2) return false;
  if (!silent) {
    const max = state.posMax;
    state.push('mark_open', 'mark', 1);
    state.pos = start + 2;
    state.posMax = close;
    state.md.inline.tokenize(state);
    state.posMax = max;
    state.push('mark_close', 'mark', -1);
  }
  state.pos = close + 2;
  return true;
}

/**
 * Otterwiki's prefixed blocks: lines starting `>!` are a spoiler (hidden until opened), lines starting `>|` a fold
 * whose leading `# heading` becomes the summary. The text after the prefix is parsed as markdown of its own.
 */
function prefixedBlockRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if ((state.sCount[startLine] ?? 0) - state.blkIndent >= 4) return false;
  const lineText = (line: number) =>
    state.src.slice((state.bMarks[line] ?? 0) + (state.tShift[line] ?? 0), state.eMarks[line] ?? 0);
  const first = lineText(startLine);
  const marker = first.startsWith('>!') ? '>!' : first.startsWith('>|') ? '>|' : null;
  if (marker === null) return false;
  if (silent) return true;
  const lines: string[] = [];
  let next = startLine;
  while (next < endLine) {
    const text = lineText(next);
    if (!text.startsWith(marker) || (state.sCount[next] ?? 0) < state.blkIndent) break;
    lines.push(text.slice(2).replace(/^ /, ''));
    next++;
  }
  const fold = marker === '>|';
  let summary = fold ? 'Details' : 'Spoiler';
  const heading = fold ? /^#{1,6}[ \t]+(.*?)[ \t#]*$/.exec(lines[0] ?? '') : null;
  if (heading) {
    summary = heading[1] ?? summary;
    lines.shift();
  }
  const open = state.push('prefixed_block_open', 'details', 1);
  open.attrSet('class', fold ? 'fold' : 'spoiler');
  open.map = [startLine, next];
  state.push('summary_open', 'summary', 1);
  const title = state.push('inline', '', 0);
  title.content = summary;
  title.children = [];
  state.push('summary_close', 'summary', -1);
  state.md.block.parse(lines.join('\n'), state.md, state.env, state.tokens);
  state.push('prefixed_block_close', 'details', -1);
  state.line = next;
  return true;
}

/** `> [!NOTE]` … `> [!CAUTION]` blockquotes become `<div class="alert alert-note">` with a title line. */
function githubAlertsRule(state: StateCore): void {
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const open = tokens[i];
    const inline = tokens[i + 2];
    if (open?.type !== 'blockquote_open' || tokens[i + 1]?.type !== 'paragraph_open' || inline?.type !== 'inline') {
      continue;
    }
    const m = ALERT_MARKER.exec(inline.content);
    const kind = m?.[1]?.toLowerCase() as AlertKind | undefined;
    if (!m || !kind) continue;
    const close = tokens.findIndex((t, j) => j > i && t.type === 'blockquote_close' && t.level === open.level);
    if (close === -1) continue;
    open.tag = 'div';
    open.attrSet('class', `alert alert-${kind}`);
    const closeToken = tokens[close];
    if (closeToken) closeToken.tag = 'div';
    inline.content = inline.content.slice(m[0].length);
    const title = new state.Token('html_block', '', 0);
    title.content = `<p class="alert-title">${kind.charAt(0).toUpperCase()}${kind.slice(1)}</p>\n`;
    if (inline.content.trim() === '') tokens.splice(i + 1, 3, title);
    else tokens.splice(i + 1, 0, title);
  }
}

function buildMarkdownIt(): MarkdownIt {
  const md = new MarkdownIt('default', { html: true, linkify: true, typographer: false });
  md.use(footnote);
  md.use(taskLists);
  md.use(abbr);
  md.use(container, 'callout', {
    validate: (params: string) => CALLOUT_OPENER.test(params.trim()),
    render: (tokens: Token[], idx: number) => {
      const token = tokens[idx];
      if (token?.nesting !== 1) return '</div>\n';
      const m = CALLOUT_OPENER.exec(token.info.trim());
      const kind = (m?.[1] ?? 'none').toLowerCase();
      const title = m?.[2]?.trim();
      return `<div class="callout callout-${kind}">\n${title ? `<p class="callout-title">${md.utils.escapeHtml(title)}</p>\n` : ''}`;
    },
  });
  md.use(anchor, {
    slugify,
    tabIndex: false,
    permalink: anchor.permalink.linkInsideHeader({ symbol: '#', placement: 'after', class: 'header-anchor' }),
  });
  md.inline.ruler.before('link', 'wikilink', wikilinkRule);
  md.inline.ruler.after('escape', 'math_inline', mathInlineRule);
  md.inline.ruler.before('emphasis', 'mark', markRule);
  md.block.ruler.before('fence', 'math_block', mathBlockRule, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  md.block.ruler.before('blockquote', 'prefixed_block', prefixedBlockRule, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  md.core.ruler.after('block', 'github_alerts', githubAlertsRule);

  const escape = md.utils.escapeHtml;
  const formula = (env: RenderEnv, tex: string, display: boolean): string => {
    env.math.push(renderMath(tex, display));
    return `wbmath-${env.mathNonce}-${env.math.length - 1}-wbmath`;
  };
  md.renderer.rules.math_inline = (tokens, idx, _o, env: RenderEnv) =>
    `<span class="math math-inline">${formula(env, tokens[idx]?.content ?? '', false)}</span>`;
  md.renderer.rules.math_inline_display = (tokens, idx, _o, env: RenderEnv) =>
    `<span class="math math-display">${formula(env, tokens[idx]?.content ?? '', true)}</span>`;
  md.renderer.rules.math_block = (tokens, idx, _o, env: RenderEnv) =>
    `<div class="math math-display">${formula(env, tokens[idx]?.content ?? '', true)}</div>\n`;
  md.renderer.rules.fence = (tokens, idx, _o, env: RenderEnv) => {
    const token = tokens[idx];
    const content = token?.content ?? '';
    const info = parseFenceInfo(md.utils.unescapeAll(token?.info ?? ''));
    if (info.lang === 'math') return `<div class="math math-display">${formula(env, content, true)}</div>\n`;
    if (info.lang === 'mermaid') return `<pre class="mermaid">${escape(content)}</pre>\n`;
    return renderCodeBlock(content, info);
  };
  return md;
}

const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

/** The allowlist: what rendered pages may contain. Anything else is dropped. */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...HEADINGS,
    'p',
    'br',
    'hr',
    'blockquote',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'strong',
    'em',
    'b',
    'i',
    'u',
    's',
    'del',
    'ins',
    'sub',
    'sup',
    'small',
    'mark',
    'abbr',
    'q',
    'cite',
    'kbd',
    'samp',
    'var',
    'code',
    'pre',
    'a',
    'img',
    'figure',
    'figcaption',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
    'colgroup',
    'col',
    'div',
    'span',
    'section',
    'details',
    'summary',
    'input',
  ],
  allowedAttributes: {
    ...Object.fromEntries(HEADINGS.map((h) => [h, ['id']])),
    a: ['href', 'title', 'id', 'class', 'aria-hidden'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    pre: ['class'],
    div: ['class'],
    span: ['class', 'aria-hidden'],
    p: ['class'],
    ul: ['class'],
    ol: ['class', 'start'],
    li: ['class', 'id'],
    sup: ['class'],
    section: ['class'],
    hr: ['class'],
    th: ['style', 'colspan', 'rowspan'],
    td: ['style', 'colspan', 'rowspan'],
    details: ['open', 'class'],
    abbr: ['title'],
    input: ['type', 'checked', 'disabled', 'class'],
  },
  allowedClasses: {
    a: ['wikilink', 'missing', 'header-anchor', 'footnote-backref'],
    code: ['language-*', 'hljs'],
    pre: ['mermaid', 'linenums'],
    div: [
      'math',
      'math-display',
      'alert',
      'alert-note',
      'alert-tip',
      'alert-important',
      'alert-warning',
      'alert-caution',
      'callout',
      ...CALLOUT_KINDS.map((k) => `callout-${k}`),
    ],
    details: ['spoiler', 'fold'],
    span: ['math', 'math-inline', 'math-display', 'linenos', 'hljs-*'],
    p: ['alert-title', 'callout-title'],
    ul: ['contains-task-list'],
    ol: ['footnotes-list'],
    li: ['task-list-item', 'footnote-item'],
    sup: ['footnote-ref'],
    section: ['footnotes'],
    hr: ['footnotes-sep'],
    input: ['task-list-item-checkbox'],
    th: ['align-left', 'align-right', 'align-center'],
    td: ['align-left', 'align-right', 'align-center'],
  },

  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // Their text is code or markup, not prose: drop it together with the tag.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'svg',
    'math',
    'iframe',
    'object',
    'template',
    'title',
  ],
  transformTags: {
    // Table alignment as a class: the site's CSP allows no style attributes (pages with math aside).
    th: tableCellAlignment,
    td: tableCellAlignment,
    // Only read-only checkboxes (task lists) survive; any other input is marked here and dropped below.
    input: (_tag, attribs) => ({
      tagName: 'input',
      attribs: {
        type: attribs.type?.toLowerCase() === 'checkbox' ? 'checkbox' : 'not-a-checkbox',
        disabled: '',
        ...(attribs.checked !== undefined ? { checked: '' } : {}),
        ...(attribs.class !== undefined ? { class: attribs.class } : {}),
      },
    }),
  },
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
};

function tableCellAlignment(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const align = /^\s*text-align\s*:\s*(left|right|center)\s*;?\s*$/i.exec(attribs.style ?? '')?.[1]?.toLowerCase();
  const { style: _style, ...rest } = attribs;
  return { tagName, attribs: align === undefined ? rest : { ...rest, class: `align-${align}` } };
}

/** Sanitizes HTML with the page allowlist (exported for HTML that does not come from `renderMarkdown`). */
export function sanitizePageHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

let instance: MarkdownIt | null = null;

function markdownIt(): MarkdownIt {
  instance ??= buildMarkdownIt();
  return instance;
}

function tocFrom(tokens: Token[]): TocEntry[] {
  const toc: TocEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.type !== 'heading_open' || token.level !== 0) continue;
    const id = token.attrGet('id');
    if (id === null) continue;
    const text = (tokens[i + 1]?.children ?? [])
      .filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('')
      .trim();
    toc.push({ level: Number(token.tag.slice(1)), text, id });
  }
  return toc;
}

/** Renders a page body (front matter already removed) to sanitized HTML and a table of contents. */
export function renderMarkdown(body: string, context: RenderContext): RenderResult {
  const md = markdownIt();
  const env: RenderEnv = { context, math: [], mathNonce: randomBytes(6).toString('hex') };
  const tokens = md.parse(body, env);
  let html = sanitizeHtml(md.renderer.render(tokens, md.options, env), SANITIZE_OPTIONS);
  if (env.math.length > 0) {
    const slot = new RegExp(`wbmath-${env.mathNonce}-(\\d+)-wbmath`, 'g');
    html = html.replace(slot, (_m, n: string) => env.math[Number(n)] ?? '');
  }
  return { html, toc: tocFrom(tokens) };
}

/** A small least-recently-used cache for rendered pages; the caller chooses the key (blob id + resolver version). */
export class RenderCache<V = RenderResult> {
  private readonly entries = new Map<string, V>();

  constructor(readonly maxEntries = 500) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-insert so iteration order is least-recently-used first.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
