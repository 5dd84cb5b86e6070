/**
 * Views of sign-in with OpenID Connect providers: the provider buttons under the sign-in form, the "Sign-in
 * providers" section of the account page (linked accounts with unlink, others with link), and the pages a provider
 * login can end on when it opens no session (email already used, a failed or refused login).
 */
import type { LinkedIdentity } from '../../usecases/oidc-login.js';
import { html, type Html } from './html.js';

export interface ProviderButton {
  id: string;
  name: string;
}

const startHref = (id: string, next: string) => `/-/oidc/${encodeURIComponent(id)}/start?next=${encodeURIComponent(next)}`;

/** One button per configured provider; nothing when there are none. */
export function providerButtons(providers: readonly ProviderButton[], next: string): Html {
  if (providers.length === 0) return html``;
  return html`<div class="signin-providers">
<p>Or sign in with</p>
<ul class="buttons">${providers.map((p) => html`<li><a class="button" href="${startHref(p.id, next)}">Sign in with ${p.name}</a></li>`)}</ul>
</div>`;
}

const NOTICES: Record<string, string> = {
  linked: 'The provider account is linked: you can sign in with it from now on.',
  'already-linked': 'That provider account was already linked to yours.',
  unlinked: 'The provider account is unlinked.',
};

/** The account page's section: linked provider accounts (each with unlink) and a link button per provider. */
export function providersSection(input: { providers: readonly ProviderButton[]; linked: LinkedIdentity[]; csrf: string; done: string | null }): Html {
  if (input.providers.length === 0 && input.linked.length === 0) return html``;
  const notice = input.done ? NOTICES[input.done] : undefined;
  return html`<h2 id="sign-in-providers">Sign-in providers</h2>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${
  input.linked.length === 0
    ? html`<p>No provider account is linked.</p>`
    : html`<ul class="identities">${input.linked.map(
        (i) => html`<li><strong>${i.providerName}</strong>${i.email ? html` · ${i.email}` : ''} · linked ${i.createdAt.slice(0, 10)}
<form method="post" action="/-/oidc/${encodeURIComponent(i.providerId)}/unlink" class="inline">
<input type="hidden" name="_csrf" value="${input.csrf}"><input type="hidden" name="subject" value="${i.subject}">
<button type="submit">Unlink</button></form></li>`,
      )}</ul>`
}
${
  input.providers.length === 0
    ? ''
    : html`<p>${input.providers.map((p) => html`<a class="button" href="${startHref(p.id, '/-/account')}">Link ${p.name}</a> `)}</p>`
}`;
}

/** A new provider login whose email already has an account: nothing was created or linked. */
export function emailTakenView(providerName: string, email: string): Html {
  return html`<h1>Sign in with your password first</h1>
<p class="banner error" role="alert">An account already uses ${email}. For your safety, a ${providerName} login never opens an existing account on its own:
sign in with that account's password, then link ${providerName} from your account page.</p>
<p><a class="button primary" href="/-/signin?next=${encodeURIComponent('/-/account')}">Sign in</a></p>`;
}

/** A login the provider refused, that failed its checks, or that expired. */
export function failedView(providerName: string, message: string): Html {
  return html`<h1>Sign-in with ${providerName} did not work</h1>
<p class="banner error" role="alert">${message}</p>
<p><a class="button primary" href="/-/signin">Back to sign-in</a></p>`;
}
