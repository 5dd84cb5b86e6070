/**
 * Views of the signed-in user's dashboard: the landing page for visitors, my wikis with usage against limits, wikis
 * shared with me, creating a wiki, one wiki's settings, collaborators and "connect" instructions, personal access
 * tokens and connected apps. Pure functions of their input; every value is escaped by `html`.
 */
import type { AccountView, Collaborator, TokenView, WikiDetails } from '../../usecases/index.js';
import type { ConnectedApp } from '../../usecases/connected-apps.js';
import { html, type Html } from './html.js';

const hidden = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;

const when = (iso: string | null): Html => (iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>` : html`never`);

/** "12.5 MB" */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const banner = (notice: string | null, error: string | null): Html =>
  html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${error ? html`<p class="banner error" role="alert">${error}</p>` : ''}`;

export function landingView(): Html {
  return html`<h1>Wikibot</h1>
<p>Research wikis that people and AI assistants write together. Every wiki is a git repository of markdown pages;
read and edit it here, connect Claude, ChatGPT or Cursor to it, or clone it with git.</p>
<p><a class="button primary" href="/-/signin">Sign in</a> <a class="button" href="/-/signup">Create an account</a></p>`;
}

export interface DashboardInput {
  account: AccountView;
  /** Last change per owned or shared wiki id (`owner/slug`). */
  lastChange: Map<string, { date: string; author: string } | null>;
  csrf: string;
  notice: string | null;
  error: string | null;
  /** Values of the create form to show again after an error. */
  form: Record<string, string>;
  categoriesDefault: string;
  /** Set while the user's email is unverified and mail can be sent: a quiet reminder with a resend button. */
  unverifiedEmail?: string | null | undefined;
}

/** The reminder shown on the dashboard while the email is not verified. */
function verifyReminder(email: string, csrf: string): Html {
  return html`<div class="alert" id="verify-notice"><form method="post" action="/-/account" class="inline">${hidden(csrf)}<input type="hidden" name="op" value="resend">
Your email ${email} is not verified yet: follow the link we mailed to it. <button type="submit">Resend verification email</button></form> · <a href="/-/account#email">Account</a></div>`;
}

export function dashboardView(input: DashboardInput): Html {
  const { account, lastChange, csrf, form } = input;
  const last = (id: string) => {
    const c = lastChange.get(id);
    return c ? html`${when(c.date)} by ${c.author}` : html`—`;
  };
  const owned = account.wikis.map(
    (w) => html`<tr>
  <td><a href="/${w.id}/">${w.name}</a><br><small>${w.id} · ${w.visibility}</small></td>
  <td>${w.usage.pages.used} / ${w.usage.pages.max}</td>
  <td>${bytes(w.usage.attachmentBytes.used)} / ${bytes(w.usage.attachmentBytes.max)}</td>
  <td>${w.usage.collaborators.used} / ${w.usage.collaborators.max}</td>
  <td>${last(w.id)}</td>
  <td><a href="/-/wikis/${w.id}">Settings</a> · <a href="/-/wikis/${w.id}#connect">Connect</a></td>
</tr>`,
  );
  const shared = account.shared.map(
    (w) => html`<tr><td><a href="/${w.id}/">${w.name}</a><br><small>${w.id}</small></td><td>${w.role}</td><td>${last(w.id)}</td></tr>`,
  );
  const full = account.usage.wikis.used >= account.usage.wikis.max;
  return html`<h1>Your wikis</h1>
${banner(input.notice, input.error)}
${account.notice ? html`<p class="banner error" role="alert">${account.notice}</p>` : ''}
${input.unverifiedEmail ? verifyReminder(input.unverifiedEmail, csrf) : ''}
<p>Signed in as <strong>${account.username}</strong> · ${account.tier} tier · ${account.usage.wikis.used} of ${account.usage.wikis.max} wiki(s) ·
<a href="/-/account">Account</a> · <a href="/-/tokens">Access tokens</a> · <a href="/-/apps">Connected apps</a></p>
${
  owned.length
    ? html`<table class="history wikis"><thead><tr><th scope="col">Wiki</th><th scope="col">Pages</th><th scope="col">Attachments</th><th scope="col">Collaborators</th><th scope="col">Last change</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>${owned}</tbody></table>`
    : html`<p>You own no wiki yet.</p>`
}
<h2>Shared with you</h2>
${
  shared.length
    ? html`<table class="history shared"><thead><tr><th scope="col">Wiki</th><th scope="col">Your role</th><th scope="col">Last change</th></tr></thead><tbody>${shared}</tbody></table>`
    : html`<p>No one has shared a wiki with you yet.</p>`
}
<h2 id="create">Create a wiki</h2>
${
  full
    ? html`<p>Your ${account.tier} tier allows ${account.usage.wikis.max} wiki(s); delete one to create another.</p>`
    : html`<form method="post" action="/-/wikis" class="stack">
${hidden(csrf)}
<p><label for="slug">Address</label><br><span>/${account.username}/</span><input id="slug" name="slug" required pattern="[a-z0-9][a-z0-9\\-]{1,38}[a-z0-9]" value="${form.slug ?? ''}" aria-describedby="slug-help">
<br><small id="slug-help">3 to 40 lowercase letters, digits or "-".</small></p>
<p><label for="name">Name</label><br><input id="name" name="name" maxlength="100" value="${form.name ?? ''}"></p>
<p><label for="purpose">Purpose</label><br><textarea id="purpose" name="purpose" rows="3" maxlength="2000">${form.purpose ?? ''}</textarea></p>
<p><label for="categories">Categories</label><br><input id="categories" name="categories" value="${form.categories ?? input.categoriesDefault}" aria-describedby="cat-help">
<br><small id="cat-help">Separated by commas.</small></p>
<fieldset><legend>Visibility</legend>
<label><input type="radio" name="visibility" value="private"${form.visibility === 'public' ? '' : html` checked`}> Private: only you and your collaborators</label><br>
<label><input type="radio" name="visibility" value="public"${form.visibility === 'public' ? html` checked` : ''}> Public: anyone can read it</label>
</fieldset>
<p><button type="submit" class="primary">Create wiki</button></p>
</form>`
}`;
}

export interface ConnectInfo {
  /** Public origin, e.g. `https://wiki.example.org`. */
  origin: string;
}

/** How to reach one wiki from Claude, ChatGPT, Cursor, git and curl. */
export function connectView(id: string, { origin }: ConnectInfo): Html {
  const mcp = `${origin}/mcp`;
  const wikiMcp = `${origin}/${id}/mcp`;
  const git = `${origin}/${id}.git`;
  const cursor = JSON.stringify({ mcpServers: { wikibot: { url: mcp } } });
  return html`<h2 id="connect">Connect</h2>
<h3>Assistants (MCP)</h3>
<p>MCP address: <code class="mcp-url">${mcp}</code> (every wiki you allow), or <code>${wikiMcp}</code> (this wiki only).
The assistant opens a Wikibot sign-in page; tick this wiki and choose read only or read and write.</p>
<ul>
<li><strong>Claude</strong> (claude.ai, Claude Desktop): Settings → Connectors → Add custom connector → <code>${mcp}</code></li>
<li><strong>ChatGPT</strong>: Settings → Connectors (developer mode) → Create → <code>${mcp}</code>, authentication OAuth</li>
<li><strong>Cursor</strong>: add <code>${cursor}</code> to <code>~/.cursor/mcp.json</code>, then click Login</li>
<li><strong>Claude Code</strong>: <code>claude mcp add --transport http wikibot ${mcp}</code></li>
</ul>
<h3>git</h3>
<pre><code class="git-clone">git clone ${git}</code></pre>
<p>When git asks, give any user name and a <a href="/-/tokens">personal access token</a> as the password
(read scope to clone, write scope to push).</p>
<h3>REST API</h3>
<pre><code>curl -H "Authorization: Bearer $TOKEN" ${origin}/api/v1/wikis/${id}/pages/Home</code></pre>`;
}

const COMMIT_MESSAGE_CHOICES: ReadonlyArray<readonly [WikiDetails['commitMessages'], string]> = [
  ['optional', 'Optional (a default is written when left empty)'],
  ['required', 'Required for every change'],
  ['disabled', 'Disabled (always the default message)'],
];

export interface SettingsInput {
  wiki: WikiDetails;
  collaborators: Collaborator[];
  collaboratorUsage: { used: number; max: number };
  csrf: string;
  notice: string | null;
  error: string | null;
  connect: ConnectInfo;
}

export function settingsView(input: SettingsInput): Html {
  const { wiki, csrf } = input;
  const action = `/-/wikis/${wiki.id}`;
  const rows = input.collaborators.map((c) => {
    const who = c.username ?? c.email ?? '';
    const roleSelect = html`<select name="role" aria-label="Role of ${who}">${(['viewer', 'editor'] as const).map(
      (r) => html`<option value="${r}"${r === c.role ? html` selected` : ''}>${r}</option>`,
    )}</select>`;
    return html`<tr>
  <td>${c.username ?? html`${c.email} <small>(invitation pending)</small>`}</td>
  <td><form method="post" action="${action}" class="inline">${hidden(csrf)}<input type="hidden" name="op" value="role"><input type="hidden" name="who" value="${who}">${roleSelect} <button type="submit">Change role</button></form></td>
  <td><form method="post" action="${action}" class="inline">${hidden(csrf)}<input type="hidden" name="op" value="remove"><input type="hidden" name="who" value="${who}"><button type="submit" class="danger" aria-label="Remove ${who}">Remove</button></form></td>
</tr>`;
  });
  const usage = wiki.usage;
  return html`<h1>Settings of ${wiki.name}</h1>
<p><a href="/">← Your wikis</a> · <a href="/${wiki.id}/">Open the wiki</a></p>
${banner(input.notice, input.error)}
${
  usage
    ? html`<p class="usage">${usage.pages.used} of ${usage.pages.max} pages · ${bytes(usage.attachmentBytes.used)} of ${bytes(usage.attachmentBytes.max)} of attachments · ${usage.collaborators.used} of ${usage.collaborators.max} collaborators</p>`
    : ''
}
<form method="post" action="${action}" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="settings">
<p><label for="name">Name</label><br><input id="name" name="name" maxlength="100" required value="${wiki.name}"></p>
<p><label for="purpose">Purpose</label><br><textarea id="purpose" name="purpose" rows="3" maxlength="2000">${wiki.purpose}</textarea></p>
<p><label for="categories">Categories</label><br><input id="categories" name="categories" value="${wiki.categories.join(', ')}"></p>
<fieldset><legend>Visibility</legend>
<label><input type="radio" name="visibility" value="private"${wiki.visibility === 'private' ? html` checked` : ''}> Private</label>
<label><input type="radio" name="visibility" value="public"${wiki.visibility === 'public' ? html` checked` : ''}> Public</label>
</fieldset>
<p><label for="home_page">Home page</label><br><input id="home_page" name="home_page" required value="${wiki.homePage}" aria-describedby="home_page-help"><br>
<small id="home_page-help">The page the wiki's address shows, e.g. Home or Projects/Start. It need not exist yet.</small></p>
<p><label for="commit_messages">Commit messages</label><br><select id="commit_messages" name="commit_messages">${COMMIT_MESSAGE_CHOICES.map(
  ([value, label]) => html`<option value="${value}"${value === wiki.commitMessages ? html` selected` : ''}>${label}</option>`,
)}</select></p>
<fieldset><legend>WikiLinks with shown text</legend>
<label><input type="radio" name="wikilink_order" value="page-text"${wiki.wikilinkOrder === 'page-text' ? html` checked` : ''}> <code>[[Page|Text]]</code></label>
<label><input type="radio" name="wikilink_order" value="text-page"${wiki.wikilinkOrder === 'text-page' ? html` checked` : ''}> <code>[[Text|Page]]</code> (as in Otterwiki)</label>
</fieldset>
<p><button type="submit" class="primary">Save settings</button></p>
</form>
<h2 id="collaborators">Collaborators</h2>
<p>${input.collaboratorUsage.used} of ${input.collaboratorUsage.max} (pending invitations count).</p>
${rows.length ? html`<table class="history collaborators"><tbody>${rows}</tbody></table>` : html`<p>Nobody else has a role on this wiki.</p>`}
<form method="post" action="${action}" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="add">
<p><label for="who">Username or email</label><br><input id="who" name="user" required></p>
<p><label for="role">Role</label><br><select id="role" name="role"><option value="viewer">viewer (reads)</option><option value="editor">editor (reads and writes)</option></select></p>
<p><button type="submit">Add collaborator</button></p>
<p><small>An email without an account becomes an invitation, accepted when that person signs up.</small></p>
</form>
${connectView(wiki.id, input.connect)}
<h2 id="delete">Delete this wiki</h2>
<form method="post" action="${action}" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="delete">
<p>This deletes every page, its history and its collaborators. It cannot be undone.</p>
<p><label for="confirm">Type <code>${wiki.id}</code> to confirm</label><br><input id="confirm" name="confirm" autocomplete="off" required></p>
<p><button type="submit" class="danger">Delete ${wiki.id}</button></p>
</form>`;
}

export interface TokensInput {
  tokens: TokenView[];
  /** Wikis a token may be limited to (`owner/slug`). */
  wikis: string[];
  csrf: string;
  /** The secret of a token just created: shown this once. */
  created: string | null;
  notice: string | null;
  error: string | null;
}

export function tokensView(input: TokensInput): Html {
  const { csrf } = input;
  const rows = input.tokens.map(
    (t) => html`<tr>
  <td>${t.name}</td><td>${t.wiki ?? 'all wikis'}</td><td>${t.scope}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td>
  <td>${t.expired ? 'expired' : when(t.expiresAt)}</td>
  <td><form method="post" action="/-/tokens" class="inline">${hidden(csrf)}<input type="hidden" name="revoke" value="${t.id}"><button type="submit" class="danger" aria-label="Revoke ${t.name}">Revoke</button></form></td>
</tr>`,
  );
  return html`<h1>Access tokens</h1>
<p><a href="/">← Your wikis</a></p>
${banner(input.notice, input.error)}
${
  input.created
    ? html`<div class="notice" role="status"><p>Your new token — copy it now, it will not be shown again:</p><p><code class="new-token">${input.created}</code></p></div>`
    : ''
}
<p>Tokens let scripts, git and assistants act as you: use one as a bearer token (<code>Authorization: Bearer …</code>) or as the git password.</p>
${
  rows.length
    ? html`<table class="history tokens"><thead><tr><th scope="col">Name</th><th scope="col">Wiki</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>You have no tokens.</p>`
}
<h2>New token</h2>
<form method="post" action="/-/tokens" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="create">
<p><label for="token-name">Name</label><br><input id="token-name" name="name" maxlength="100"></p>
<p><label for="token-wiki">Wiki</label><br><select id="token-wiki" name="wiki"><option value="">all my wikis</option>${input.wikis.map((w) => html`<option value="${w}">${w}</option>`)}</select></p>
<p><label for="token-scope">Scope</label><br><select id="token-scope" name="scope"><option value="read">read</option><option value="write">read and write</option></select></p>
<p><label for="token-expires">Expires</label><br><select id="token-expires" name="expires"><option value="30d">in 30 days</option><option value="90d" selected>in 90 days</option><option value="365d">in a year</option><option value="never">never</option></select></p>
<p><button type="submit" class="primary">Create token</button></p>
</form>`;
}

export function appsView(apps: ConnectedApp[], csrf: string, notice: string | null): Html {
  const rows = apps.map(
    (a) => html`<tr>
  <td>${a.clientName}</td><td>${a.wikis.join(', ') || '—'}</td><td>${a.scope}</td><td>${when(a.connectedAt)}</td>
  <td><form method="post" action="/-/apps" class="inline">${hidden(csrf)}<input type="hidden" name="revoke" value="${a.clientId}"><button type="submit" class="danger" aria-label="Disconnect ${a.clientName}">Disconnect</button></form></td>
</tr>`,
  );
  return html`<h1>Connected apps</h1>
<p><a href="/">← Your wikis</a></p>
${banner(notice, null)}
<p>Assistants you signed in to through OAuth. Disconnecting one stops its access at once.</p>
${
  rows.length
    ? html`<table class="history apps"><thead><tr><th scope="col">App</th><th scope="col">Wikis</th><th scope="col">Scope</th><th scope="col">Connected</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p>No app is connected to your account.</p>`
}`;
}

export function errorPage(status: number, message: string, signInHref: string | null): Html {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 401 ? 'Sign in needed' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return html`<h1>${title}</h1><p class="banner error" role="alert">${message}</p>${signInHref ? html`<p><a class="button primary" href="${signInHref}">Sign in</a></p>` : ''}`;
}
