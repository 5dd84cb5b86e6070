/**
 * Views over a wiki's history and index: page history, diffs (unified and side by side, word-level highlights),
 * blame, recent changes and their feeds, the page index, search results and the health report.
 */
import { diffWordsWithSpace } from 'diff';
import type { DiffHunk, DiffLine } from '../../domain/index.js';
import type { BlameLine } from '../../git/repo-store.js';
import type { HistoryEntry } from '../../index/index-store.js';
import { escapeHtml, html, markOnly, trusted, type Html } from './html.js';
import { actionHref, pageHref } from './http.js';
import { breadcrumbs } from './layout.js';
import { csrfField, subject, time, type PageRef } from './views-page.js';

const short = (oid: string) => oid.slice(0, 7);

export function historyView(ref: PageRef, path: string, entries: HistoryEntry[], canWrite: boolean, csrf: string): Html {
  const { owner, slug } = ref;
  return html`${breadcrumbs(owner, slug, ref.wikiName, path)}
<h1>History of ${path.replace(/_/g, ' ')}</h1>
<form method="get" action="${actionHref(owner, slug, 'diff', path)}" class="history-form">
<table class="history">
<thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Revision</th><th scope="col">Author</th><th scope="col">When</th><th scope="col">Message</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>
${entries.map(
  (e, i) => html`<tr>
<td><input type="radio" name="from" value="${e.oid}" aria-label="Compare from ${short(e.oid)}"${i === 1 || (entries.length === 1 && i === 0) ? html` checked` : ''}></td>
<td><input type="radio" name="to" value="${e.oid}" aria-label="Compare to ${short(e.oid)}"${i === 0 ? html` checked` : ''}></td>
<td><a href="${pageHref(owner, slug, path, `?revision=${e.oid}`)}"><code>${short(e.oid)}</code></a>${e.status === 'R' && e.oldPath ? html` <span class="muted">renamed from ${e.oldPath}</span>` : ''}</td>
<td>${e.authorName}</td><td>${time(e.date)}</td><td>${subject(e.message)}</td>
<td><a href="${actionHref(owner, slug, 'diff', path, `?to=${e.oid}`)}">diff</a> <a href="${actionHref(owner, slug, 'commit', e.oid)}">commit</a>${
    canWrite
      ? html` <button type="submit" form="revert-${e.oid}" class="link">revert</button>`
      : ''
  }</td>
</tr>`,
)}
</tbody></table>
<p><button type="submit" class="primary">Compare selected revisions</button></p>
</form>
${canWrite ? entries.map((e) => html`<form id="revert-${e.oid}" method="post" action="${actionHref(owner, slug, 'revert')}" hidden>${csrfField(csrf)}<input type="hidden" name="commit" value="${e.oid}"><input type="hidden" name="next" value="${actionHref(owner, slug, 'history', path)}"></form>`) : ''}`;
}

interface Row {
  oldNo: number | null;
  newNo: number | null;
  type: DiffLine['type'];
  html: Html;
}

/** Pairs each run of deleted lines with the following added lines and highlights the words that changed. */
function hunkRows(h: DiffHunk): Row[] {
  const rows: Row[] = [];
  let oldNo = h.oldStart;
  let newNo = h.newStart;
  const lines = h.lines;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    if (line.type === 'context') {
      rows.push({ oldNo: oldNo++, newNo: newNo++, type: 'context', html: html`${line.text}` });
      i++;
      continue;
    }
    const dels: string[] = [];
    const adds: string[] = [];
    while (i < lines.length && lines[i]!.type === 'del') dels.push(lines[i++]!.text);
    while (i < lines.length && lines[i]!.type === 'add') adds.push(lines[i++]!.text);
    const pairs = Math.min(dels.length, adds.length);
    const delHtml = dels.map((t, k) => (k < pairs ? wordDiff(t, adds[k]!).old : html`${t}`));
    const addHtml = adds.map((t, k) => (k < pairs ? wordDiff(dels[k]!, t).new : html`${t}`));
    for (const d of delHtml) rows.push({ oldNo: oldNo++, newNo: null, type: 'del', html: d });
    for (const a of addHtml) rows.push({ oldNo: null, newNo: newNo++, type: 'add', html: a });
  }
  return rows;
}

function wordDiff(a: string, b: string): { old: Html; new: Html } {
  if (a.length + b.length > 4000) return { old: html`${a}`, new: html`${b}` };
  const parts = diffWordsWithSpace(a, b);
  let o = '';
  let n = '';
  for (const p of parts) {
    const text = escapeHtml(p.value);
    if (p.added) n += `<ins>${text}</ins>`;
    else if (p.removed) o += `<del>${text}</del>`;
    else {
      o += text;
      n += text;
    }
  }
  return { old: trustedEscaped(o), new: trustedEscaped(n) };
}

/** Markup built above from escaped text and our own `<ins>`/`<del>` only. */
const trustedEscaped = (s: string): Html => trusted(s);

export interface DiffViewInput {
  ref: PageRef;
  path: string;
  from: string;
  to: string;
  hunks: DiffHunk[];
  stats: { added: number; removed: number };
  mode: 'unified' | 'split';
}

/** A unified diff of hunks, with word highlights (also used by the single-commit view). */
export function unifiedDiffTable(hunks: DiffHunk[]): Html {
  const sign = { context: ' ', add: '+', del: '−' } as const;
  return html`<table class="diff unified"><tbody>${hunks.map(hunkRows).map(
    (hr, i) => html`${i > 0 ? html`<tr class="gap"><td colspan="3">⋯</td></tr>` : ''}${hr.map(
      (r) => html`<tr class="${r.type}"><td class="no">${r.oldNo ?? ''}</td><td class="no">${r.newNo ?? ''}</td><td class="code"><span class="sign" aria-hidden="true">${sign[r.type]}</span>${r.html}</td></tr>`,
    )}`,
  )}</tbody></table>`;
}

export function diffView(v: DiffViewInput): Html {
  const { owner, slug } = v.ref;
  const q = (mode: string) => `?from=${v.from}&to=${v.to}&view=${mode}`;
  const rows = v.hunks.map(hunkRows);
  const unified = unifiedDiffTable(v.hunks);
  const split = html`<table class="diff split"><tbody>${rows.map((hr, i) => {
    const left: Row[] = [];
    const right: Row[] = [];
    const out: Html[] = [];
    const flush = () => {
      const n = Math.max(left.length, right.length);
      for (let k = 0; k < n; k++) {
        const l = left[k];
        const r = right[k];
        out.push(
          html`<tr><td class="no">${l?.oldNo ?? ''}</td><td class="code ${l ? l.type : 'empty'}">${l?.html ?? ''}</td><td class="no">${r?.newNo ?? ''}</td><td class="code ${r ? r.type : 'empty'}">${r?.html ?? ''}</td></tr>`,
        );
      }
      left.length = 0;
      right.length = 0;
    };
    for (const r of hr) {
      if (r.type === 'context') {
        flush();
        out.push(html`<tr><td class="no">${r.oldNo}</td><td class="code context">${r.html}</td><td class="no">${r.newNo}</td><td class="code context">${r.html}</td></tr>`);
      } else if (r.type === 'del') left.push(r);
      else right.push(r);
    }
    flush();
    return html`${i > 0 ? html`<tr class="gap"><td colspan="4">⋯</td></tr>` : ''}${out}`;
  })}</tbody></table>`;
  return html`${breadcrumbs(owner, slug, v.ref.wikiName, v.path)}
<h1>Changes to ${v.path.replace(/_/g, ' ')}</h1>
<p>From <a href="${pageHref(owner, slug, v.path, `?revision=${v.from}`)}"><code>${short(v.from)}</code></a> to <a href="${pageHref(owner, slug, v.path, `?revision=${v.to}`)}"><code>${short(v.to)}</code></a> · <span class="added">+${v.stats.added}</span> <span class="removed">−${v.stats.removed}</span>
 · <a href="${actionHref(owner, slug, 'diff', v.path, q('unified'))}"${v.mode === 'unified' ? html` aria-current="true"` : ''}>Unified</a> | <a href="${actionHref(owner, slug, 'diff', v.path, q('split'))}"${v.mode === 'split' ? html` aria-current="true"` : ''}>Side by side</a>
 · <a href="${actionHref(owner, slug, 'history', v.path)}">History</a></p>
${v.hunks.length === 0 ? html`<p class="muted">No changes between these revisions.</p>` : v.mode === 'split' ? split : unified}`;
}

export function blameView(ref: PageRef, path: string, revision: string, lines: BlameLine[]): Html {
  const { owner, slug } = ref;
  const groups: BlameLine[][] = [];
  for (const line of lines) {
    const last = groups.at(-1);
    if (last && last[0]!.commit === line.commit) last.push(line);
    else groups.push([line]);
  }
  return html`${breadcrumbs(owner, slug, ref.wikiName, path)}
<h1>Blame of ${path.replace(/_/g, ' ')}</h1>
<p>At revision <code>${short(revision)}</code> · <a href="${actionHref(owner, slug, 'history', path)}">History</a></p>
<table class="blame"><tbody>${groups.map(
    (g) => html`${g.map(
      (l, i) => html`<tr class="${i === 0 ? 'first' : ''}">${
        i === 0
          ? html`<td class="commit" rowspan="${g.length}"><a href="${actionHref(owner, slug, 'diff', path, `?to=${l.commit}`)}"><code>${short(l.commit)}</code></a> ${l.authorName}<br><span class="muted">${time(l.date)}</span><br><span class="msg">${l.summary}</span></td>`
          : ''
      }<td class="no">${l.line}</td><td class="code">${l.content}</td></tr>`,
    )}`,
  )}</tbody></table>`;
}

export interface ChangeItem {
  oid: string;
  authorName: string;
  date: string;
  message: string;
  pages: Array<{ path: string; kind: 'page' | 'attachment'; status: string; oldPath: string | null }>;
}

export function changesView(ref: PageRef, changes: ChangeItem[], offset: number, limit: number): Html {
  const { owner, slug } = ref;
  return html`<h1>Recent changes</h1>
<p><a href="${actionHref(owner, slug, 'feed.atom')}">Atom feed</a> · <a href="${actionHref(owner, slug, 'feed.rss')}">RSS feed</a></p>
<ol class="changes">${changes.map(
    (c) => html`<li><a href="${actionHref(owner, slug, 'commit', c.oid)}"><code>${short(c.oid)}</code></a> ${time(c.date)} · ${c.authorName} · ${subject(c.message)}<ul>${c.pages.map(
      (p) =>
        html`<li>${p.kind === 'page' && p.status !== 'D' ? html`<a href="${pageHref(owner, slug, p.path)}">${p.path}</a> <a class="muted" href="${actionHref(owner, slug, 'diff', p.path, `?to=${c.oid}`)}">diff</a>` : p.path} <span class="muted">${statusWord(p.status)}${p.oldPath ? html` from ${p.oldPath}` : ''}</span></li>`,
    )}</ul></li>`,
  )}</ol>
<nav class="paging" aria-label="Pages of changes">${offset > 0 ? html`<a href="?offset=${Math.max(0, offset - limit)}">Newer</a>` : ''} ${changes.length === limit ? html`<a href="?offset=${offset + limit}">Older</a>` : ''}</nav>`;
}

const statusWord = (s: string) => ({ A: 'created', M: 'edited', D: 'deleted', R: 'renamed' })[s] ?? s;

/** Atom 1.0 feed of recent changes. */
export function atomFeed(base: string, ref: PageRef, changes: ChangeItem[]): string {
  const x = escapeHtml;
  const updated = changes[0]?.date ?? new Date(0).toISOString();
  const entries = changes
    .map(
      (c) => `<entry><id>urn:git:${c.oid}</id><title>${x(subject(c.message))}</title><updated>${c.date}</updated><author><name>${x(c.authorName)}</name></author>` +
        `<link href="${x(base + changeLink(ref, c))}"/><summary>${x(c.pages.map((p) => `${statusWord(p.status)} ${p.path}`).join(', '))}</summary></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>${x(ref.wikiName)}: recent changes</title><id>${x(`${base}/${ref.owner}/${ref.slug}/`)}</id><updated>${updated}</updated><link rel="self" href="${x(`${base}${actionHref(ref.owner, ref.slug, 'feed.atom')}`)}"/><link href="${x(`${base}/${ref.owner}/${ref.slug}/`)}"/>\n${entries}\n</feed>\n`;
}

/** RSS 2.0 feed of recent changes. */
export function rssFeed(base: string, ref: PageRef, changes: ChangeItem[]): string {
  const x = escapeHtml;
  const items = changes
    .map(
      (c) => `<item><guid isPermaLink="false">${c.oid}</guid><title>${x(subject(c.message))}</title><pubDate>${new Date(c.date).toUTCString()}</pubDate><author>${x(c.authorName)}</author>` +
        `<link>${x(base + changeLink(ref, c))}</link><description>${x(c.pages.map((p) => `${statusWord(p.status)} ${p.path}`).join(', '))}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>${x(ref.wikiName)}: recent changes</title><link>${x(`${base}/${ref.owner}/${ref.slug}/`)}</link><description>Recent changes</description>\n${items}\n</channel></rss>\n`;
}

function changeLink(ref: PageRef, c: ChangeItem): string {
  const page = c.pages.find((p) => p.kind === 'page' && p.status !== 'D');
  return page ? actionHref(ref.owner, ref.slug, 'diff', page.path, `?to=${c.oid}`) : actionHref(ref.owner, ref.slug, 'changes');
}

export interface IndexPage {
  path: string;
  title: string;
  category: string | null;
}

export function indexView(ref: PageRef, pages: IndexPage[], tree: Html, category: string | null, outlines: ReadonlyMap<string, ReadonlyArray<{ level: number; text: string; id: string }>> = new Map()): Html {
  const { owner, slug } = ref;
  const byLetter = new Map<string, IndexPage[]>();
  for (const p of [...pages].sort((a, b) => a.title.localeCompare(b.title))) {
    const letter = (p.title[0] ?? '#').toUpperCase();
    const key = /[A-Z]/.test(letter) ? letter : '#';
    byLetter.set(key, [...(byLetter.get(key) ?? []), p]);
  }
  const categories = new Map<string, number>();
  for (const p of pages) if (p.category) categories.set(p.category, (categories.get(p.category) ?? 0) + 1);
  return html`<h1>Page index${category ? html`: ${category}` : ''}</h1>
<p>${pages.length} pages. Categories: ${[...categories].sort().map(([c, n]) => html`<a class="tag" href="?category=${encodeURIComponent(c)}">${c} (${n})</a> `)}${category ? html`<a href="?">all</a>` : ''}</p>
<nav class="az" aria-label="Letters">${[...byLetter.keys()].map((l) => html`<a href="#letter-${l}">${l}</a> `)}</nav>
<div class="index-cols">
<section aria-labelledby="az-h"><h2 id="az-h">A–Z</h2>${[...byLetter].map(
    ([l, ps]) => html`<h3 id="letter-${l}">${l}</h3><ul>${ps.map((p) => html`<li><a href="${pageHref(owner, slug, p.path)}">${p.title}</a>${p.category ? html` <span class="muted">${p.category}</span>` : ''}${outlineList(owner, slug, p.path, outlines.get(p.path))}</li>`)}</ul>`,
  )}</section>
<section aria-labelledby="tree-h"><h2 id="tree-h">By folder</h2>${tree}</section>
</div>`;
}

function outlineList(owner: string, slug: string, path: string, outline: ReadonlyArray<{ level: number; text: string; id: string }> | undefined): Html | '' {
  if (!outline?.length) return '';
  const href = pageHref(owner, slug, path);
  return html`<ul class="outline">${outline.map((o) => html`<li class="l${o.level}"><a href="${href}#${o.id}">${o.text}</a></li>`)}</ul>`;
}

export interface SearchHitView {
  path: string;
  title: string;
  category: string | null;
  tags: string[];
  snippet: string;
}

export interface SearchFilters {
  prefix: string;
  category: string;
  tag: string;
  caseSensitive: boolean;
  regex: boolean;
}

export function searchView(ref: PageRef, q: string, filters: SearchFilters, hits: SearchHitView[] | null, error: string | null): Html {
  const { owner, slug } = ref;
  return html`<h1>Search</h1>
<form method="get" action="${actionHref(owner, slug, 'search')}" class="search-form" role="search">
  <p><label for="sq">Words, "phrases" or prefix*</label> <input id="sq" name="q" value="${q}" type="search" size="40"></p>
  <p class="modes"><label><input type="checkbox" name="case" value="1"${filters.caseSensitive ? html` checked` : ''}> Match case</label> <label><input type="checkbox" name="regex" value="1"${filters.regex ? html` checked` : ''}> Regular expression</label> <small class="muted">(either one searches the exact text on every page)</small></p>
  <p class="filters"><label>In folder <input name="prefix" value="${filters.prefix}" size="14"></label> <label>Category <input name="category" value="${filters.category}" size="10"></label> <label>Tag <input name="tag" value="${filters.tag}" size="10"></label> <button type="submit" class="primary">Search</button></p>
</form>
${error ? html`<p class="banner error" role="alert">${error}</p>` : ''}
${
  hits === null
    ? ''
    : hits.length === 0
      ? html`<p>No page matches.</p>`
      : html`<ol class="results">${hits.map(
          (h) => html`<li><a href="${pageHref(owner, slug, h.path)}">${h.title}</a> <span class="muted">${h.path}${h.category ? ` · ${h.category}` : ''}</span><p class="snippet">${markOnly(h.snippet)}</p></li>`,
        )}</ol>`
}`;
}

export function healthView(
  ref: PageRef,
  orphans: Array<{ path: string; title: string }>,
  broken: Array<{ source: string; target: string }>,
  stale: { days: number; pages: Array<{ path: string; title: string; lastUpdated: string | null }> },
): Html {
  const { owner, slug } = ref;
  const link = (p: string, t?: string) => html`<a href="${pageHref(owner, slug, p)}">${t ?? p}</a>`;
  return html`<h1>Wiki health</h1>
<section><h2>Broken links (${broken.length})</h2>${broken.length ? html`<ul>${broken.map((b) => html`<li>${link(b.source)} → <span class="missing">${b.target}</span></li>`)}</ul>` : html`<p class="muted">None.</p>`}</section>
<section><h2>Orphans (${orphans.length})</h2><p class="muted">Pages no other page links to.</p>${orphans.length ? html`<ul>${orphans.map((o) => html`<li>${link(o.path, o.title)}</li>`)}</ul>` : html`<p class="muted">None.</p>`}</section>
<section><h2>Stale (${stale.pages.length})</h2><p class="muted">Not updated in ${stale.days} days.</p>${stale.pages.length ? html`<ul>${stale.pages.map((p) => html`<li>${link(p.path, p.title)} <span class="muted">${p.lastUpdated ?? ''}</span></li>`)}</ul>` : html`<p class="muted">None.</p>`}</section>`;
}

export interface CommitViewInput {
  oid: string;
  parents: string[];
  authorName: string;
  date: string;
  message: string;
  files: Array<{ path: string; kind: 'page' | 'attachment'; status: string; oldPath: string | null; hunks: DiffHunk[] | null; stats: { added: number; removed: number } | null }>;
}

/** One commit: message, author, date, and each changed file with its diff. */
export function commitView(ref: PageRef, c: CommitViewInput): Html {
  const { owner, slug } = ref;
  const [subjectLine, ...rest] = c.message.split('\n');
  const body = rest.join('\n').trim();
  return html`<h1>Commit <code>${short(c.oid)}</code></h1>
<p class="commit-subject"><strong>${subjectLine ?? ''}</strong></p>
${body ? html`<pre class="commit-body">${body}</pre>` : ''}
<p class="meta">${c.authorName} · ${time(c.date)} · <code>${c.oid}</code>${c.parents.length ? html` · parent ${c.parents.map((p) => html`<a href="${actionHref(owner, slug, 'commit', p)}"><code>${short(p)}</code></a> `)}` : ''}</p>
<h2>${c.files.length} file(s) changed</h2>
<ul class="commit-files">${c.files.map((f, i) => html`<li><a href="#file-${i}">${f.path}</a> <span class="muted">${statusWord(f.status)}${f.oldPath ? html` from ${f.oldPath}` : ''}</span>${f.stats ? html` <span class="added">+${f.stats.added}</span> <span class="removed">−${f.stats.removed}</span>` : ''}</li>`)}</ul>
${c.files.map((f, i) => {
  const title =
    f.kind === 'page' && f.status !== 'D'
      ? html`<a href="${pageHref(owner, slug, f.path, `?revision=${c.oid}`)}">${f.path}</a>`
      : html`${f.path}`;
  const diff = f.hunks === null ? html`<p class="muted">${f.kind === 'attachment' ? 'An attachment: no text diff.' : 'Too large to show here.'}</p>` : f.hunks.length ? unifiedDiffTable(f.hunks) : html`<p class="muted">No text changes.</p>`;
  return html`<section class="commit-file" id="file-${i}"><h3>${title} <span class="muted">${statusWord(f.status)}</span></h3>${diff}</section>`;
})}`;
}

/**
 * The site's robots.txt: pages may be crawled, wiki actions (history, diffs, editors, search) may not. Private wikis
 * are "not found" to crawlers anyway, and are never named here.
 */
export const SITE_ROBOTS = 'User-agent: *\nDisallow: /-/\nDisallow: /*/*/-/\nAllow: /\n';

/** A wiki's own robots.txt: its pages and sitemap when public; nothing at all when private. */
export function robotsTxt(base: string, ref: PageRef, isPublic: boolean): string {
  const root = `/${ref.owner}/${ref.slug}/`;
  if (!isPublic) return `User-agent: *\nDisallow: ${root}\n`;
  return `User-agent: *\nAllow: ${root}\nDisallow: ${root}-/\nSitemap: ${base}${actionHref(ref.owner, ref.slug, 'sitemap.xml')}\n`;
}

/** Sitemap of a public wiki's pages with their last change. */
export function sitemapXml(base: string, ref: PageRef, pages: Array<{ path: string; lastmod: string }>): string {
  const urls = pages.map((p) => `<url><loc>${escapeHtml(base + pageHref(ref.owner, ref.slug, p.path))}</loc><lastmod>${escapeHtml(p.lastmod)}</lastmod></url>`);
  return `<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}
