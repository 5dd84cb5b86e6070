/**
 * The MCP endpoints as OAuth protected resources, as both the MCP adapter (which checks tokens and answers 401/403)
 * and the OAuth adapter (which serves the metadata and revokes tokens) see them: how a client sends its token
 * (RFC 6750 bearer header), this server's public address, and the RFC 9728 metadata naming our authorization server.
 */
import type { Config } from '../../config.js';
import { WikiError } from '../../errors.js';
import { WIKI_SCOPES } from './scopes.js';

/** The token of an `Authorization: Bearer <token>` header; null without the header; UNAUTHORIZED when malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new WikiError('UNAUTHORIZED', 'Send the access token as "Authorization: Bearer <token>".');
  return match[1]!;
}

/** `https://host` of this server: the configured public address, else what the request was sent to. */
export function baseUrlOf(services: { readonly config: Pick<Config, 'baseUrl'> }, request: { protocol: string; host: string }): string {
  return services.config.baseUrl ?? `${request.protocol}://${request.host}`;
}

/** Where the RFC 9728 metadata of the resource at `resourcePath` (e.g. `/mcp`) lives: path-inserted well-known URL. */
export const resourceMetadataUrl = (baseUrl: string, resourcePath: string): string => `${baseUrl}/.well-known/oauth-protected-resource${resourcePath}`;

/** The protected-resource metadata (RFC 9728) of an MCP endpoint, naming our authorization server (`issuer`). */
export function protectedResourceMetadata(baseUrl: string, resourcePath: string, issuer: string): Record<string, unknown> {
  return {
    resource: `${baseUrl}${resourcePath}`,
    authorization_servers: [issuer],
    scopes_supported: [...WIKI_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'Wikibot MCP',
    resource_documentation: `${baseUrl}/`,
  };
}
