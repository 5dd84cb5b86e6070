/**
 * External sync in the web wiki: the owner's banner on the wiki's pages when the last sync needs attention or failed,
 * and the small `-/sync` page with the status and a "Sync now" button. Only owners ever see either (the use cases
 * refuse everyone else).
 */
import { syncNeedsAttention, type SyncStatus } from '../../usecases/index.js';
import { html, type Html } from './html.js';
import { actionHref } from './http.js';
import type { PageRef } from './views-page.js';
import { csrfField, time } from './views-page.js';

const head = (oid: string | null) => (oid ? html`<code>${oid.slice(0, 7)}</code>` : html`<span class="muted">none</span>`);

/** The banner on the wiki's pages: message, both heads, what to do, a link to `-/sync`. */
export function syncBanner(ref: PageRef, status: SyncStatus): Html {
  const diverged = status.state === 'needs_attention';
  return html`<div class="banner sync-attention" role="alert"><p><strong>${diverged ? 'Sync needs attention' : 'Sync failed'}</strong> with <code>${status.url}</code>: ${status.message ?? 'the last run did not finish.'}</p>
<p>Wiki main: ${head(status.ourHead)} · remote main: ${head(status.theirHead)} · ${diverged ? 'Nothing was changed on either side; resolve it in a clone, push to the wiki, then sync again.' : 'Check the remote and its credentials, then sync again.'} <a href="${actionHref(ref.owner, ref.slug, 'sync')}">Sync status</a></p></div>`;
}

export function syncView(ref: PageRef, status: SyncStatus | { linked: false }, csrf: string, notice: string | null): Html {
  const title = html`<h1>External sync</h1>`;
  if (!status.linked) {
    return html`${title}<p class="muted">${ref.wikiName} is not linked to an external remote. Link one with the API (<code>PUT /api/v1/wikis/${ref.owner}/${ref.slug}/sync</code>).</p>`;
  }
  return html`${title}
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${syncNeedsAttention(status) ? syncBanner(ref, status) : ''}
<dl class="sync-status">
  <dt>Remote</dt><dd><code>${status.url}</code>${status.username ? html` as ${status.username}` : ''}${status.hasToken ? ' (with a token)' : ''}</dd>
  <dt>State</dt><dd class="state-${status.state}">${status.state.replace('_', ' ')}${status.lastResult ? html` · last result: ${status.lastResult}` : ''}</dd>
  <dt>Message</dt><dd>${status.message ?? html`<span class="muted">none yet</span>`}</dd>
  <dt>Wiki main</dt><dd>${head(status.ourHead)}</dd>
  <dt>Remote main</dt><dd>${head(status.theirHead)}</dd>
  <dt>Last run</dt><dd>${status.lastRunAt ? time(status.lastRunAt) : html`<span class="muted">never</span>`}</dd>
  <dt>Next run</dt><dd><time datetime="${status.nextRunAt}">${status.nextRunAt}</time></dd>
</dl>
<form method="post" action="${actionHref(ref.owner, ref.slug, 'sync')}">${csrfField(csrf)}<button type="submit" class="primary">Sync now</button></form>`;
}
