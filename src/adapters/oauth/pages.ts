/**
 * The OAuth interaction pages, server-rendered and self-contained (the web UI is separate): sign-in and consent.
 * No script at all, a strict Content-Security-Policy, and every form carries the CSRF token of its page.
 */
import type { WikiListing } from '../../usecases/index.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** No scripts, no frames, nothing loaded from elsewhere; the one inline stylesheet is allowed by its hash-free rule. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}label{display:block;margin:.6rem 0}input[type=text],input[type=password]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{font:inherit;padding:.5rem 1.2rem;margin:.8rem .4rem 0 0;cursor:pointer}.error{color:#b00020;font-weight:600}
.muted{color:#666;font-size:.9rem}fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}ul{padding-left:1.2rem}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)} · Wikibot</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export interface ClientView {
  name: string;
  /** Where the client will be sent back to (its redirect URI's origin), shown so the user knows who asks. */
  returnsTo: string;
}

function cancelForm(uid: string, csrf: string): string {
  return `<form method="post" action="/oauth/interaction/${esc(uid)}/abort"><input type="hidden" name="csrf" value="${esc(csrf)}"><button type="submit">Cancel</button></form>`;
}

export function loginPage(uid: string, csrf: string, client: ClientView, options: { login?: string; error?: string } = {}): string {
  return layout(
    'Sign in',
    `<h1>Sign in to Wikibot</h1>
<p><strong>${esc(client.name)}</strong> <span class="muted">(${esc(client.returnsTo)})</span> wants to use your wikis.</p>
${options.error ? `<p class="error" role="alert">${esc(options.error)}</p>` : ''}
<form method="post" action="/oauth/interaction/${esc(uid)}/login">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<label>Username or email <input type="text" name="login" autocomplete="username" required autofocus value="${esc(options.login ?? '')}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
${cancelForm(uid, csrf)}`,
  );
}

export interface ConsentView {
  uid: string;
  csrf: string;
  client: ClientView;
  username: string;
  /** The wikis offered (one when the client asked for a single wiki's endpoint). */
  wikis: WikiListing[];
  /** Whether the client asked for write access (then read and write is preselected). */
  wantsWrite: boolean;
  resource: string;
  error?: string | undefined;
}

export function consentPage(v: ConsentView): string {
  const items = v.wikis
    .map(
      (w) =>
        `<label><input type="checkbox" name="wiki" value="${w.id.replace(/"/g, '')}" checked> <strong>${esc(w.name)}</strong> <span class="muted">${esc(w.id)}${w.canWrite ? '' : ' · read only for you'}</span></label>`,
    )
    .join('\n');
  const body =
    v.wikis.length === 0
      ? `<p class="error">You have no wiki this app could use. Create one first.</p>${cancelForm(v.uid, v.csrf)}`
      : `<form method="post" action="/oauth/interaction/${esc(v.uid)}/consent">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<fieldset><legend>Wikis it may use</legend>
${items}</fieldset>
<fieldset><legend>Access</legend>
<label><input type="radio" name="access" value="write"${v.wantsWrite ? ' checked' : ''}> Read and write pages</label>
<label><input type="radio" name="access" value="read"${v.wantsWrite ? '' : ' checked'}> Read only</label></fieldset>
<button type="submit">Allow</button></form>
${cancelForm(v.uid, v.csrf)}`;
  return layout(
    'Allow access',
    `<h1>Allow ${esc(v.client.name)}?</h1>
<p>Signed in as <strong>${esc(v.username)}</strong>. <strong>${esc(v.client.name)}</strong> <span class="muted">(${esc(v.client.returnsTo)})</span> asks to use your wikis through <span class="muted">${esc(v.resource)}</span>.</p>
${v.error ? `<p class="error" role="alert">${esc(v.error)}</p>` : ''}
${body}
<p class="muted">You can disconnect it at any time under connected apps.</p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p>${esc(message)}</p><p>Start again from your assistant.</p>`);
}
