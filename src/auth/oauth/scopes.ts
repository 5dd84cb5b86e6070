/**
 * The scopes of Wikibot's MCP access tokens and how they map to the read/write narrowing of personal access tokens.
 */
import type { TokenScope } from '../../meta/meta-store.js';

export const READ_SCOPE = 'wiki:read';
export const WRITE_SCOPE = 'wiki:write';
export const WIKI_SCOPES = [READ_SCOPE, WRITE_SCOPE] as const;

/** The claim of an access token listing the wiki ids it reaches. */
export const WIKIS_CLAIM = 'wikis';
/** The claim naming the grant the token came from: a revoked grant stops its access tokens at once. */
export const GRANT_CLAIM = 'gid';

/** `write` when the scope string holds wiki:write, `read` for wiki:read alone, null when neither. */
export function tokenScopeOf(scope: string | undefined): TokenScope | null {
  const scopes = new Set((scope ?? '').split(' '));
  if (scopes.has(WRITE_SCOPE)) return 'write';
  if (scopes.has(READ_SCOPE)) return 'read';
  return null;
}

/** The scope string granted for a consent choice. */
export const scopeFor = (write: boolean): string => (write ? `${READ_SCOPE} ${WRITE_SCOPE}` : READ_SCOPE);
