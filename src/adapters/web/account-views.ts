/**
 * Views of one's own account: the sign-up form and its answer (the same whether or not the email had an account),
 * and the account page (password, sessions, export, deleting the account).
 */
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
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
  /** The "Sign-in providers" section (oidc-views), when providers are configured or linked. */
  providers?: Html | undefined;
}

export function accountView(input: AccountPageInput): Html {
  const { csrf } = input;
  return html`<h1>Your account</h1>
<p><a href="/">← Your wikis</a></p>
${banner(input.notice, input.error)}
<p><strong>${input.username}</strong> · ${input.email} · ${input.tier} tier</p>
<h2>Change password</h2>
<form method="post" action="/-/account" class="stack">
${hidden(csrf)}<input type="hidden" name="op" value="password">
<input type="text" name="username" value="${input.username}" autocomplete="username" hidden>
<p><label for="current">Current password</label><br><input id="current" name="current" type="password" required autocomplete="current-password"></p>
<p><label for="new-password">New password</label><br><input id="new-password" name="password" type="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password"></p>
<p><button type="submit" class="primary">Change password</button> <small>Your other browsers are signed out.</small></p>
</form>
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
