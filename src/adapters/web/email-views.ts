/**
 * Pages of the mailed-link flows: asking for a password reset (one answer whether or not an account matched),
 * choosing a new password from a reset link, and the result of following a verification link or a link confirming a
 * new email (with a way to get a new link when it no longer works).
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

/**
 * A verification link that does not work (used, expired, made up). Who is signed in and still unverified gets a
 * button that mails a new link; who is verified already is told so; a visitor is sent to sign in first.
 */
export function verifyFailedView(message: string, viewer: { csrf: string; email: string; verified: boolean } | null): Html {
  let next: Html;
  if (!viewer) {
    next = html`<p>Sign in to get a new link from your account page.</p><p><a class="button primary" href="/-/signin?next=%2F-%2Faccount">Sign in</a></p>`;
  } else if (viewer.verified) {
    next = html`<p class="notice" role="status">Your email ${viewer.email} is verified already: nothing more to do.</p><p><a class="button" href="/">Your wikis</a></p>`;
  } else {
    next = html`<form method="post" action="/-/account" class="stack">${hidden(viewer.csrf)}<input type="hidden" name="op" value="resend">
<p>We can mail a new link to ${viewer.email}.</p><p><button type="submit" class="primary">Resend verification email</button></p></form>`;
  }
  return html`<h1>This link does not work</h1>${error(message)}${next}`;
}

/** A link confirming a new email that does not work: ask again from the account page. */
export function emailChangeFailedView(message: string, signedIn: boolean): Html {
  const href = signedIn ? '/-/account#email' : '/-/signin?next=%2F-%2Faccount';
  return html`<h1>This link does not work</h1>${error(message)}
<p>Your email address was not changed. Ask for a new link from your account page.</p>
<p><a class="button primary" href="${href}">${signedIn ? 'Your account' : 'Sign in'}</a></p>`;
}

export function emailChangedView(email: string, previous: string, accepted: ReadonlyArray<{ wiki: string; role: string }>): Html {
  return html`<h1>Email changed</h1>
<p class="notice" role="status">Your account's email is now ${email} (verified). We told ${previous} about the change.</p>
${accepted.length > 0 ? html`<p>You can now open the wikis that invited this address:</p><ul>${accepted.map((a) => html`<li><a href="/${a.wiki}/">${a.wiki}</a> (${a.role})</li>`)}</ul>` : ''}
<p><a class="button primary" href="/-/account">Your account</a></p>`;
}

export function verifiedView(accepted: ReadonlyArray<{ wiki: string; role: string }>): Html {
  return html`<h1>Email confirmed</h1>
<p class="notice" role="status">Thank you: your email address is confirmed.</p>
${accepted.length > 0 ? html`<p>You can now open the wikis that invited you:</p><ul>${accepted.map((a) => html`<li><a href="/${a.wiki}/">${a.wiki}</a> (${a.role})</li>`)}</ul>` : ''}
<p><a class="button primary" href="/">Your wikis</a></p>`;
}
