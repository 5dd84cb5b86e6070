/**
 * Views of one page: reading it (with properties, backlinks, attachments and revision banners), its source, the
 * editor (also after a conflict), rename, delete, attachments, plus the sign-in form and the error page.
 */
import type { AttachmentChange, AttachmentInfo, PageView } from '../../usecases/index.js';
import { html, trusted, type Html } from './html.js';
import { actionHref, pageHref } from './http.js';
import { breadcrumbs } from './layout.js';

export interface PageRef {
  owner: string;
  slug: string;
  wikiName: string;
  /** The wiki's commit-message setting: the forms hide the field (`disabled`) or ask for it (`required`). */
  commitMessages?: 'optional' | 'required' | 'disabled' | undefined;
  /** The wiki's WikiLink order, for the editor's link completion. */
  linkOrder?: 'page-text' | 'text-page' | undefined;
}

/** The commit-message field of a form, as the wiki's setting wants it: absent when disabled, required when required. */
function messageField(ref: PageRef, size: number, value = '', placeholder = ''): Html | '' {
  if (ref.commitMessages === 'disabled') return '';
  const required = ref.commitMessages === 'required';
  return html`<p><label for="message">Commit message${required ? ' (required)' : ''}</label> <input id="message" name="message" value="${value}"${placeholder ? html` placeholder="${placeholder}"` : ''} size="${String(size)}"${required ? html` required` : ''}></p>`;
}

/** "3 minutes ago", "2 days ago": when something happened, relative to now. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const units: Array<[number, string]> = [
    [31_536_000, 'year'],
    [2_592_000, 'month'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(s / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

export const time = (iso: string): Html => html`<time datetime="${iso}" title="${iso}">${ago(iso)}</time>`;
const short = (oid: string) => oid.slice(0, 7);
export const subject = (message: string) => message.split('\n')[0] ?? '';

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

function propertyValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v as string)).join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export interface PageViewInput {
  ref: PageRef;
  page: PageView;
  attachments: AttachmentInfo[];
  canWrite: boolean;
  /** `?revision=` was asked for. */
  oldRevision: boolean;
  notice: string | null;
}

export function pageView({ ref, page, attachments, canWrite, oldRevision, notice }: PageViewInput): Html {
  const { owner, slug } = ref;
  const fm = page.frontmatter;
  const archived = fm.archived === true;
  const shown = Object.entries(fm).filter(([k]) => k !== 'title');
  const act = (name: string, query = '') => actionHref(owner, slug, name, page.path, query);
  const toc = page.toc ?? [];
  const commit = page.lastCommit;
  // The page's own leading `# Heading` is its title; otherwise the title (front matter or path) becomes the H1.
  const ownH1 = (page.html ?? '').trimStart().startsWith('<h1');
  return html`${breadcrumbs(owner, slug, ref.wikiName, page.path)}
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${oldRevision ? html`<p class="banner old" role="note">You are reading revision <code>${short(page.revision)}</code> of ${time(commit.date)}, not the current page. <a href="${pageHref(owner, slug, page.path)}">Read the current version</a> · <a href="${act('diff', `?from=${page.revision}`)}">compare with it</a></p>` : ''}
${archived ? html`<p class="banner archived" role="note">This page is archived: it is kept for the record and no longer maintained.</p>` : ''}
<div class="page-head">
  ${ownH1 ? '' : html`<h1>${page.title}</h1>`}
  <div class="actions" role="toolbar" aria-label="Page actions">
    ${canWrite && !oldRevision ? html`<a class="button primary" href="${act('edit')}" data-shortcut="e">Edit</a>` : ''}
    <a class="button" href="${act('history')}">History</a>
    <a class="button" href="${act('blame')}">Blame</a>
    <a class="button" href="${act('source', oldRevision ? `?revision=${page.revision}` : '')}">Source</a>
    ${canWrite && !oldRevision ? html`<a class="button" href="${act('attachments')}">Attach</a><a class="button" href="${act('rename')}">Rename</a><a class="button danger" href="${act('delete')}">Delete</a>` : ''}
  </div>
</div>
<p class="meta">Last edited by ${commit.authorName}, <a href="${act('diff', `?to=${commit.oid}`)}">${time(commit.date)}</a> · <a href="${actionHref(owner, slug, 'commit', commit.oid)}"><code>${short(commit.oid)}</code></a> ${subject(commit.message)}</p>
${
  shown.length
    ? html`<details class="props"${shown.length <= 6 ? html` open` : ''}><summary>Properties</summary><dl>${shown.map(
        ([k, v]) => html`<dt>${k}</dt><dd>${k === 'category' ? html`<a href="${actionHref(owner, slug, 'index', undefined, `?category=${encodeURIComponent(propertyValue(v))}`)}">${propertyValue(v)}</a>` : k === 'tags' && Array.isArray(v) ? (v as unknown[]).map((t) => html`<a class="tag" href="${actionHref(owner, slug, 'search', undefined, `?tag=${encodeURIComponent(String(t as string))}`)}">${String(t as string)}</a> `) : propertyValue(v)}</dd>`,
      )}</dl></details>`
    : ''
}
<div class="page-body">
${toc.length > 1 ? html`<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${toc.map((t) => html`<li class="l${t.level}"><a href="#${t.id}">${t.text}</a></li>`)}</ol></nav>` : ''}
<article class="content">${trusted(page.html ?? '')}</article>
</div>
<aside class="page-foot" aria-label="Related">
  <section><h2>Linked from</h2>${page.linkedFrom.length ? html`<ul>${page.linkedFrom.map((p) => html`<li><a href="${pageHref(owner, slug, p)}">${p.replace(/_/g, ' ')}</a></li>`)}</ul>` : html`<p class="muted">No page links here yet.</p>`}</section>
  <section><h2>Attachments</h2>${attachmentList(ref, page.path, attachments, false, '')}</section>
</aside>`;
}

/** An attachment as listed: the date of its last change when the listing has it. */
export type ListedAttachment = AttachmentInfo & { lastChange?: AttachmentChange | null };

/** Raster images show as thumbnails (rendered at 128 px for 64 px boxes on dense screens); SVG is only a link. */
const THUMBNAIL = /^image\/(png|jpeg|gif|webp|avif)$/;

export function attachmentList(ref: PageRef, path: string, list: ListedAttachment[], manage: boolean, csrf: string): Html {
  if (!list.length) return html`<p class="muted">No attachments.</p>`;
  return html`<ul class="attachments">${list.map((a) => {
    const href = actionHref(ref.owner, ref.slug, 'file', `${path}/${a.name}`);
    const thumb = THUMBNAIL.test(a.mimeType)
      ? html`<a class="thumb" href="${href}" tabindex="-1" aria-hidden="true"><img src="${actionHref(ref.owner, ref.slug, 'thumb', `${path}/${a.name}`, `?size=128&v=${a.oid}`)}" alt="" loading="lazy" decoding="async" width="64" height="64"></a>`
      : html`<span class="thumb file" aria-hidden="true">${a.name.includes('.') ? a.name.split('.').pop()!.slice(0, 4).toUpperCase() : 'FILE'}</span>`;
    const del = manage
      ? html`<form method="post" action="${actionHref(ref.owner, ref.slug, 'attachments', path)}" class="inline">${csrfField(csrf)}<input type="hidden" name="delete" value="${a.name}"><button class="link danger" type="submit">Delete</button></form>
<form method="post" action="${actionHref(ref.owner, ref.slug, 'attachments', path)}" class="inline">${csrfField(csrf)}<input type="hidden" name="rename" value="${a.name}"><label class="sr" for="rn-${a.name}">New name for ${a.name}</label><input id="rn-${a.name}" name="new_name" value="${a.name}" size="16"><button class="link" type="submit">Rename</button></form>`
      : '';
    const changed = a.lastChange ? html` · ${time(a.lastChange.date)} by ${a.lastChange.authorName}` : '';
    return html`<li>${thumb}<span class="att-info"><a href="${href}">${a.name}</a> <span class="muted">${formatBytes(a.size)}${changed}</span> <a class="muted" href="${actionHref(ref.owner, ref.slug, 'attachment-history', `${path}/${a.name}`)}">history</a> ${del}</span></li>`;
  })}</ul>`;
}

export interface AttachmentHistoryView {
  path: string;
  name: string;
  entries: Array<{ oid: string; date: string; authorName: string; message: string; status: string; name: string; oldName: string | null }>;
}

/** The commits that changed one attachment, with a download of the file as it was at each. */
export function attachmentHistoryView(ref: PageRef, h: AttachmentHistoryView): Html {
  const { owner, slug } = ref;
  const verb: Record<string, string> = { A: 'added', M: 'replaced', D: 'deleted', R: 'renamed' };
  return html`${breadcrumbs(owner, slug, ref.wikiName, h.path)}
<h1>History of ${h.name}</h1>
<p><a href="${actionHref(owner, slug, 'attachments', h.path)}">All attachments of ${h.path.replace(/_/g, ' ')}</a></p>
<table class="history"><thead><tr><th scope="col">Revision</th><th scope="col">What</th><th scope="col">Author</th><th scope="col">When</th><th scope="col">Message</th><th scope="col">File</th></tr></thead><tbody>
${h.entries.map(
  (e) => html`<tr><td><a href="${actionHref(owner, slug, 'commit', e.oid)}"><code>${short(e.oid)}</code></a></td><td>${verb[e.status] ?? e.status}${e.oldName && e.oldName !== e.name ? html` from ${e.oldName}` : ''}</td><td>${e.authorName}</td><td>${time(e.date)}</td><td>${subject(e.message)}</td>
<td>${e.status === 'D' ? html`<span class="muted">gone</span>` : html`<a href="${actionHref(owner, slug, 'file', `${h.path}/${e.name}`, `?revision=${e.oid}`)}">download ${e.name}</a>`}</td></tr>`,
)}
</tbody></table>`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A page that does not exist: a folder's index when pages live under it, else an offer to create it. */
export function missingPageView(ref: PageRef, path: string, canWrite: boolean, children: Array<{ path: string; title: string }>): Html {
  const create = canWrite ? html`<p><a class="button primary" href="${actionHref(ref.owner, ref.slug, 'edit', path)}">Create this page</a></p>` : '';
  if (children.length) {
    return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, path)}
<h1>${path.replace(/_/g, ' ')}</h1>
<p class="muted">This folder has no page of its own. Pages in it:</p>
<ul class="folder-index">${children.map((c) => html`<li><a href="${pageHref(ref.owner, ref.slug, c.path)}">${c.path.slice(path.length + 1).replace(/_/g, ' ')}</a>${c.title !== c.path.split('/').at(-1)?.replace(/_/g, ' ') ? html` <span class="muted">${c.title}</span>` : ''}</li>`)}</ul>
${create}`;
  }
  return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, path)}
<h1>${path.replace(/_/g, ' ')}</h1>
<p class="banner missing">This page does not exist yet.</p>
${create}`;
}

export interface EditViewInput {
  ref: PageRef;
  path: string;
  content: string;
  /** Base revision carried in the form; empty for a new page. */
  revision: string;
  message: string;
  csrf: string;
  isNew: boolean;
  /** After a conflict: the current text someone else saved. */
  conflict: { current: string; currentRevision: string; message: string } | null;
  error: string | null;
}

export function editView(v: EditViewInput): Html {
  const action = actionHref(v.ref.owner, v.ref.slug, 'edit', v.path);
  return html`${breadcrumbs(v.ref.owner, v.ref.slug, v.ref.wikiName, v.path)}
<h1>${v.isNew ? 'Create' : 'Edit'} ${v.path.replace(/_/g, ' ')}</h1>
${v.error ? html`<p class="banner error" role="alert">${v.error}</p>` : ''}
${
  v.conflict
    ? html`<div class="banner conflict" role="alert"><p><strong>Someone else changed this page while you were editing</strong>, and the changes overlap: ${v.conflict.message}</p>
<p>Your text is in the editor below; the current page is shown beside it. Merge what you need into your text and save again: the save is now based on the current revision <code>${v.conflict.currentRevision.slice(0, 7)}</code>.</p></div>
<section class="conflict-theirs" aria-label="The current page"><h2>Current page</h2><pre class="source">${v.conflict.current}</pre></section>`
    : ''
}
<form method="post" action="${action}" class="editor-form" id="editor-form" data-path="${v.path}" data-wiki="${v.ref.owner}/${v.ref.slug}" data-preview="${actionHref(v.ref.owner, v.ref.slug, 'preview')}" data-pages="${actionHref(v.ref.owner, v.ref.slug, 'pages.json')}" data-link-order="${v.ref.linkOrder ?? 'page-text'}" data-upload="${actionHref(v.ref.owner, v.ref.slug, 'upload', v.path)}">
  ${csrfField(v.csrf)}
  <input type="hidden" name="revision" value="${v.revision}">
  ${v.isNew ? html`<p><label for="path">Page name</label> <input id="path" name="path" value="${v.path}" required></p>` : ''}
  <div class="editor-panes">
    <div class="pane">
      <label for="content">Markdown</label>
      <textarea id="content" name="content" rows="24" spellcheck="true">${v.content}</textarea>
    </div>
    <div class="pane preview-pane" hidden><div class="preview-label">Preview</div><article class="content preview" aria-live="polite"></article></div>
  </div>
  <p class="draft-note" hidden role="status"></p>
  ${messageField(v.ref, 60, v.message, `${v.isNew ? 'Create' : 'Update'}: ${v.path}`)}
  <p class="form-actions"><button type="submit" class="primary">Save</button> <a href="${v.isNew ? `/${v.ref.owner}/${v.ref.slug}/` : pageHref(v.ref.owner, v.ref.slug, v.path)}">Cancel</a></p>
</form>`;
}

export function renameView(ref: PageRef, path: string, linkedFrom: string[], csrf: string, error: string | null): Html {
  return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, path)}
<h1>Rename ${path.replace(/_/g, ' ')}</h1>
${error ? html`<p class="banner error" role="alert">${error}</p>` : ''}
<form method="post" action="${actionHref(ref.owner, ref.slug, 'rename', path)}">
  ${csrfField(csrf)}
  <p><label for="new_path">New name</label> <input id="new_path" name="new_path" value="${path}" required size="50"></p>
  <p><label><input type="checkbox" name="update_links" value="1" checked> Update links to this page</label></p>
  ${linkedFrom.length ? html`<p>These pages link here and will be updated:</p><ul class="will-change">${linkedFrom.map((p) => html`<li>${p}</li>`)}</ul>` : html`<p class="muted">No other page links here.</p>`}
  ${messageField(ref, 50)}
  <p><button type="submit" class="primary">Rename</button></p>
</form>`;
}

export function deleteView(ref: PageRef, path: string, revision: string, attachments: AttachmentInfo[], subpages: string[], csrf: string): Html {
  return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, path)}
<h1>Delete ${path.replace(/_/g, ' ')}?</h1>
<p>The page${attachments.length ? html` and its ${attachments.length} attachment(s)` : ''} will be removed. History keeps every revision; a revert brings it back.</p>
<form method="post" action="${actionHref(ref.owner, ref.slug, 'delete', path)}">
  ${csrfField(csrf)}<input type="hidden" name="revision" value="${revision}">
  ${
    subpages.length
      ? html`<fieldset class="subpages"><legend><label><input type="checkbox" name="with_subpages" value="1"> Also delete its ${subpages.length} sub-page(s) and their attachments</label></legend><ul>${subpages.map((p) => html`<li><a href="${pageHref(ref.owner, ref.slug, p)}">${p.replace(/_/g, ' ')}</a></li>`)}</ul></fieldset>`
      : ''
  }
  ${messageField(ref, 50)}
  <p><button type="submit" class="danger">Delete the page</button> <a href="${pageHref(ref.owner, ref.slug, path)}">Cancel</a></p>
</form>`;
}

export function attachmentsView(ref: PageRef, path: string, list: ListedAttachment[], canUpload: boolean, csrf: string, notice: string | null): Html {
  return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, path)}
<h1>Attachments of ${path.replace(/_/g, ' ')}</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${attachmentList(ref, path, list, canUpload, csrf)}
${
  canUpload
    ? html`<form class="upload" data-upload="${actionHref(ref.owner, ref.slug, 'upload', path)}">
  <p><label for="files">Upload files</label> <input id="files" type="file" multiple required></p>
  <p><label for="save-as">Save as</label> <input id="save-as" name="save_as" size="24" placeholder="the file's own name"> <span class="muted">(one file only)</span></p>
  <p><label><input type="checkbox" name="replace" value="1"> Replace an attachment of the same name</label></p>
  <p><button type="submit">Upload</button></p>
  <progress hidden max="100" value="0"></progress><p class="upload-status" role="status"></p>
</form>`
    : ''
}`;
}

export function sourceView(ref: PageRef, page: PageView): Html {
  return html`${breadcrumbs(ref.owner, ref.slug, ref.wikiName, page.path)}
<h1>Source of ${page.title}</h1>
<p><a href="${actionHref(ref.owner, ref.slug, 'raw', page.path, `?revision=${page.revision}`)}">Plain text</a> · revision <code>${page.revision.slice(0, 7)}</code></p>
<pre class="source">${page.content}</pre>`;
}

/** `providers`: the buttons of the configured OpenID Connect providers (oidc-views), shown under the form. */
export function signinView(csrf: string, next: string, error: string | null, login: string, providers: Html | string = ''): Html {
  return html`<div class="signin">
<h1>Sign in</h1>
${error ? html`<p class="banner error" role="alert">${error}</p>` : ''}
<form method="post" action="/-/signin">
  ${csrfField(csrf)}<input type="hidden" name="next" value="${next}">
  <p><label for="login">Username or email</label><input id="login" name="login" autocomplete="username" required value="${login}" autofocus></p>
  <p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit" class="primary">Sign in</button></p>
</form>
<p><a href="/-/forgot">Forgot your password?</a></p>
${providers}
</div>`;
}

export function errorView(status: number, message: string, signInHref: string | null): Html {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 401 ? 'Sign in needed' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return html`<h1>${title}</h1><p class="banner error" role="alert">${message}</p>${signInHref ? html`<p><a class="button primary" href="${signInHref}">Sign in</a></p>` : ''}`;
}

export function sessionsView(
  sessions: Array<{ id: number; userAgent: string; createdAt: string; lastSeenAt: string }>,
  current: number | null,
  csrf: string,
): Html {
  return html`<h1>Your sessions</h1>
<p>Browsers signed in as you. Sign out any you do not recognise.</p>
<table class="history"><thead><tr><th scope="col">Browser</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>
${sessions.map(
  (s) => html`<tr><td>${s.userAgent || 'unknown'}${s.id === current ? html` <strong>(this browser)</strong>` : ''}</td><td>${time(s.createdAt)}</td><td>${time(s.lastSeenAt)}</td>
<td><form method="post" action="/-/sessions" class="inline">${csrfField(csrf)}<input type="hidden" name="revoke" value="${s.id}"><button type="submit" class="link danger">Sign out</button></form></td></tr>`,
)}
</tbody></table>`;
}
