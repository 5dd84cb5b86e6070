/**
 * What a user granted an MCP client on the consent page, beyond scopes: the wikis it may reach. Kept as a record
 * attached to the oidc-provider grant, so that revoking the grant (or the app) removes it with the tokens.
 */
import type { MetaStore } from '../../meta/meta-store.js';

const KIND = 'WikiSelection';

export interface WikiSelection {
  /** Wiki ids the grant reaches. */
  wikiIds: number[];
}

export async function saveWikiSelection(meta: MetaStore, grantId: string, accountId: string, clientId: string, selection: WikiSelection): Promise<void> {
  await meta.saveOAuthRecord({ kind: KIND, id: grantId, payload: JSON.stringify(selection), grantId, uid: null, accountId, clientId, expiresAt: null });
}

/** The wikis of a grant; null when the grant has no selection (it was revoked, or never consented). */
export async function findWikiSelection(meta: MetaStore, grantId: string): Promise<WikiSelection | null> {
  const record = await meta.findOAuthRecord(KIND, grantId);
  if (!record) return null;
  const parsed = JSON.parse(record.payload) as { wikiIds?: unknown };
  const wikiIds = Array.isArray(parsed.wikiIds) ? parsed.wikiIds.filter((n): n is number => Number.isSafeInteger(n)) : [];
  return { wikiIds };
}
