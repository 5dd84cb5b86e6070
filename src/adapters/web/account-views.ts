/**
 * Views of one's own account: the sign-up form and its answer (the same whether or not the email had an account),
 * and the account page (email and its verification, changing it, setting or changing the password, sessions, export,
 * deleting the account).
 */
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import type { CredentialStatus } from '../../usecases/index.js';
import { html, type Html } from './html.js';

const hidden = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const banner = (notice: string | null, error: string | null): Html =>
  html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${error ? html`<p class="banner error" role="alert">${error}</p>` : ''}`;

export function signupView(csrf: string, error: string | null, form: { username?: string; email?: string }): Html {
  return html`<h1>Create an account</h1>
${banner(null, error)}
<form method="post" action="/-/signup" class="stack">
${hidden(csrf)}
<p><label for="username">Username</label><br><input id="username" name="username" required autocomplete="username" value="${form.username ?? ''}" pattern="[a-z0-9][a-z0-9\\-]{1,38}[a-z0-9]" aria-describedby="username-help">
<br><small id="username-help">3 to 40 lowercase letters, digits or "-"; it is the first part of your wikis' addresses.</small></p>
<p><label for="email">Email</label><br><input id="email" name="email" type="email" required autocomplete="email" value="${form.email ?? ''}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password" aria-describedby="password-help">
<br><small id="password-help">At least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.</small></p>
<p><button type="submit" class="primary">Create account</button></p>
</form>
<p>Already have an account? <a href="/-/signin">Sign in</a>.</p>`;
}

/** The one answer to a valid sign-up, whether the email was new or not: nothing here tells which. */
export function signupDoneView(): Html {
  return html`<h1>Check your email</h1>
<p class="notice" role="status">If this email address is new to us, your account is ready: sign in with your username and password.
If the address already has an account, sign in with that account instead.</p>
<p><a class="button primary" href="/-/signin">Sign in</a></p>`;
}

export interface AccountPageInput {
  username: string;
  email: string;
  tier: string;
  csrf: string;
  notice: string | null;
  error: string | null;
  /** Email verification, a pending change, whether there is a password and whether mail can be sent. */
  credentials: CredentialStatus;
  /** The "Sign-in providers" section (oidc-views), when providers are configured or linked. */
  providers?: Html | undefined;
  /** Configured providers linked to this account: "Sign in again" goes straight to them. */
  reauthProviders?: ReadonlyArray<{ id: string; name: string }> | undefined;
}

const when = (iso: string): Html => html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;

/** A form with one button posting `op` to the account page. */
const opButton = (csrf: string, op: string, label: string, cls = ''): Html =>
  html`<form method="post" action="/-/account" class="inline">${hidden(csrf)}<input type="hidden" name="op" value="${op}"><button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;

/**
 * Sign in again to prove it is you, coming back to `section` of this page. Through each linked provider straight
 * away (the callback replaces this session with a new one); without one, the `reauth` op ends this session and
 * opens the sign-in page.
 */
function reauthButton(input: AccountPageInput, section: 'email' | 'password'): Html {
  const providers = input.reauthProviders ?? [];
  if (providers.length === 0) return opButton(input.csrf, 'reauth', 'Sign in again', 'primary');
  const next = encodeURIComponent(`/-/account?done=signed-in-again#${section}`);
  return html`${providers.map(
    (p) => html`<a class="button primary" href="/-/oidc/${encodeURIComponent(p.id)}/start?next=${next}">Sign in again with ${p.name}</a> `,
  )}`;
}

function emailSection(input: AccountPageInput): Html {
  const c = input.credentials;
  const { csrf } = input;
  const status = c.emailVerifiedAt
    ? html`<span class="tag verified" title="Verified ${c.emailVerifiedAt}">✓ verified</span>`
    : html`<span class="tag unverified">not verified</span>`;
  const unverified = c.emailVerifiedAt
    ? ''
    : c.mailConfigured
      ? html`<div class="alert" id="verify-notice"><p>Your email address is not verified yet: follow the link we mailed to it. Until then, wikis that invite this address wait for you.</p>
<div>No mail? Check your spam folder, or ${opButton(csrf, 'resend', 'Resend verification email')} <small>A new link replaces the earlier ones.</small></div></div>`
      : html`<div class="alert" id="verify-notice"><p>Your email address is not verified, and this server has no mail set up, so it cannot send you a verification link. Your account works; wikis that invite this address wait until it is verified.
If you lose your password, the administrator can give you a reset link (<code>wikibot user reset-link ${input.username}</code>).</p></div>`;
  const pending = c.pendingEmail
    ? html`<div class="alert" id="pending-email"><p>Waiting for confirmation of <strong>${c.pendingEmail.email}</strong>: follow the link we mailed there (it works until ${when(c.pendingEmail.expiresAt)}). Until then your email stays ${c.email}.</p>
<div>${opButton(csrf, 'cancel-email', 'Cancel this change')}</div></div>`
    : '';
  let change: Html;
  if (!c.mailConfigured) {
    change = html`<p class="muted">Changing your email needs a confirmation mail, and this server has no mail set up; ask its administrator.</p>`;
  } else if (!c.hasPassword && !c.recentSignInUntil) {
    change = html`<div>To change your email, sign in again first (for your safety, changes need a sign-in less than 10 minutes old). ${reauthButton(input, 'email')}</div>`;
  } else {
    change = html`<form method="post" action="/-/account" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="email">
<p><label for="new-email">New email</label><br><input id="new-email" name="email" type="email" required autocomplete="email" aria-describedby="new-email-help">
<br><small id="new-email-help">We mail a link to the new address; your email changes only when you follow it. Your current address is told about the change.</small></p>
${
  c.hasPassword
    ? html`<p><label for="email-current">Current password</label><br><input id="email-current" name="current" type="password" required autocomplete="current-password"></p>`
    : ''
}
<p><button type="submit">Change email</button></p>
</form>`;
  }
  return html`<h2 id="email">Email</h2>
<p>${c.email} ${status}</p>
${unverified}${pending}
<details${c.pendingEmail ? ' open' : ''}><summary>Change email</summary>${change}</details>`;
}

function passwordSection(input: AccountPageInput): Html {
  const c = input.credentials;
  const { csrf } = input;
  const usernameField = html`<input type="text" name="username" value="${input.username}" autocomplete="username" hidden>`;
  if (c.hasPassword) {
    return html`<h2 id="password">Change password</h2>
<form method="post" action="/-/account" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="password">
${usernameField}
<p><label for="current">Current password</label><br><input id="current" name="current" type="password" required autocomplete="current-password"></p>
<p><label for="new-password">New password</label><br><input id="new-password" name="password" type="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password" aria-describedby="new-password-help">
<br><small id="new-password-help">At least ${MIN_PASSWORD_LENGTH} characters.</small></p>
<p><button type="submit" class="primary">Change password</button> <small>Your other browsers are signed out.</small></p>
</form>`;
  }
  if (!c.recentSignInUntil) {
    return html`<h2 id="password">Set a password</h2>
<p>Your account has no password: you sign in through an identity provider. To set a password as well, sign in again first (for your safety, this needs a sign-in less than 10 minutes old).</p>
<div>${reauthButton(input, 'password')}</div>`;
  }
  return html`<h2 id="password">Set a password</h2>
<p>Your account has no password: you sign in through an identity provider. Set one to sign in with your username or email as well (you signed in recently, so no current password is needed until ${when(c.recentSignInUntil)}).</p>
<form method="post" action="/-/account" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="password">
${usernameField}
<p><label for="new-password">New password</label><br><input id="new-password" name="password" type="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password" aria-describedby="new-password-help">
<br><small id="new-password-help">At least ${MIN_PASSWORD_LENGTH} characters. Your other browsers are signed out.</small></p>
<p><button type="submit" class="primary">Set password</button></p>
</form>`;
}

export function accountView(input: AccountPageInput): Html {
  const { csrf } = input;
  return html`<h1>Your account</h1>
<p><a href="/">← Your wikis</a></p>
${banner(input.notice, input.error)}
<p><strong>${input.username}</strong> · ${input.tier} tier</p>
${emailSection(input)}
${passwordSection(input)}
<h2>Sessions</h2>
<p><a href="/-/sessions">Your signed-in browsers</a> — sign out any you do not recognise.</p>
${input.providers ?? ''}
<h2>Export</h2>
<p><a class="button" href="/-/account/export" download>Download everything</a> — a zip with a git bundle of each wiki you own and your metadata.</p>
<h2 id="delete">Delete your account</h2>
<form method="post" action="/-/account" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="delete">
<p>This deletes your wikis (pages and history), your roles on other wikis, your tokens and sessions. Other wikis keep the edits you made. It cannot be undone.</p>
<p><label for="confirm-username">Type your username <code>${input.username}</code> to confirm</label><br><input id="confirm-username" name="confirm" autocomplete="off" required></p>
<p><button type="submit" class="danger">Delete my account</button></p>
</form>`;
}
