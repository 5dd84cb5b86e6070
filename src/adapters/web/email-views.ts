/**
 * Pages of the mailed-link flows: asking for a password reset (one answer whether or not an account matched),
 * choosing a new password from a reset link, and the result of following a verification link.
 */
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { html, type Html } from './html.js';

const hidden = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const error = (message: string | null): Html | string => (message ? html`<p class="banner error" role="alert">${message}</p>` : '');

export function forgotView(csrf: string, message: string | null, login: string): Html {
  return html`<h1>Forgot your password?</h1>
${error(message)}
<form method="post" action="/-/forgot" class="stack">
${hidden(csrf)}
<p><label for="login">Your email or username</label><br><input id="login" name="login" required autocomplete="username" value="${login}" autofocus></p>
<p><button type="submit" class="primary">Send me a link</button></p>
</form>
<p><a href="/-/signin">Back to sign in</a></p>`;
}

/** The one answer to a reset request, whether an account matched or not. */
export function forgotDoneView(): Html {
  return html`<h1>Check your email</h1>
<p class="notice" role="status">If an account exists for what you entered, we sent a link to its email address. The link works once, for an hour.</p>
<p><a href="/-/signin">Back to sign in</a></p>`;
}

export function resetView(csrf: string, token: string, message: string | null): Html {
  return html`<h1>Choose a new password</h1>
${error(message)}
<form method="post" action="/-/reset" class="stack">
${hidden(csrf)}<input type="hidden" name="token" value="${token}">
<p><label for="password">New password</label><br><input id="password" name="password" type="password" required minlength="${MIN_PASSWORD_LENGTH}" autocomplete="new-password" aria-describedby="password-help">
<br><small id="password-help">At least ${MIN_PASSWORD_LENGTH} characters. You will be signed out everywhere.</small></p>
<p><button type="submit" class="primary">Set password</button></p>
</form>`;
}

export function resetDoneView(): Html {
  return html`<h1>Password changed</h1>
<p class="notice" role="status">Your password was changed and every browser signed in as you was signed out.</p>
<p><a class="button primary" href="/-/signin">Sign in</a></p>`;
}

export function linkFailedView(title: string, message: string, again: { href: string; text: string }): Html {
  return html`<h1>${title}</h1>${error(message)}<p><a class="button" href="${again.href}">${again.text}</a></p>`;
}

export function verifiedView(accepted: ReadonlyArray<{ wiki: string; role: string }>): Html {
  return html`<h1>Email confirmed</h1>
<p class="notice" role="status">Thank you: your email address is confirmed.</p>
${accepted.length > 0 ? html`<p>You can now open the wikis that invited you:</p><ul>${accepted.map((a) => html`<li><a href="/${a.wiki}/">${a.wiki}</a> (${a.role})</li>`)}</ul>` : ''}
<p><a class="button primary" href="/">Your wikis</a></p>`;
}
