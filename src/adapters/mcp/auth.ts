/**
 * Who is calling the MCP endpoints: the bearer token becomes an Actor (personal access tokens now; the OAuth
 * authorization server's JWT access tokens plug into `authenticateBearer`), the 401 answer points clients at the
 * protected-resource metadata (RFC 9728), and the client's display name for commit authors is derived per request.
 *
 * Client name: the MCP `initialize` request carries `clientInfo.name`, but in stateless mode later requests (the
 * tool calls that commit) do not, and keeping it server-side would be session state. So a call's name comes from its
 * `User-Agent`, mapped to what people recognise (`Claude`, `ChatGPT`, `Cursor`, …), and is "Assistant" otherwise.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { Services } from '../../usecases/index.js';

/**
 * The Actor behind a bearer token presented to `/mcp` (door `mcp`); UNAUTHORIZED when it is unknown, expired,
 * revoked or malformed. The OAuth server adds its access tokens here (verify the JWT, its audience = the MCP URL).
 */
export async function authenticateBearer(services: Services, token: string): Promise<Actor> {
  return uc.authenticateToken(services, token, 'mcp');
}

/** The token of an `Authorization: Bearer <token>` header; null without the header; UNAUTHORIZED when malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new WikiError('UNAUTHORIZED', 'Send the access token as "Authorization: Bearer <token>".');
  return match[1]!;
}

/** `https://host` of this server: the configured public address, else what the request was sent to. */
export function baseUrlOf(services: Services, request: FastifyRequest): string {
  return services.config.baseUrl ?? `${request.protocol}://${request.host}`;
}

/** Where the RFC 9728 metadata of the resource at `resourcePath` (e.g. `/mcp`) lives: path-inserted well-known URL. */
export const resourceMetadataUrl = (baseUrl: string, resourcePath: string): string => `${baseUrl}/.well-known/oauth-protected-resource${resourcePath}`;

/**
 * The protected-resource metadata (RFC 9728) of an MCP endpoint. Until the authorization server exists it lists no
 * `authorization_servers`: clients learn that the resource takes bearer tokens in the header, and nothing more.
 */
export function protectedResourceMetadata(baseUrl: string, resourcePath: string): Record<string, unknown> {
  return {
    resource: `${baseUrl}${resourcePath}`,
    bearer_methods_supported: ['header'],
    resource_name: 'Wikibot MCP',
    resource_documentation: `${baseUrl}/`,
  };
}

/** Answers 401 with the `WWW-Authenticate` challenge MCP clients use to discover how to sign in. */
export function sendUnauthorized(reply: FastifyReply, baseUrl: string, resourcePath: string, message: string, invalid: boolean): FastifyReply {
  const params = [`resource_metadata="${resourceMetadataUrl(baseUrl, resourcePath)}"`];
  if (invalid) params.push('error="invalid_token"', `error_description="${message.replace(/"/g, "'")}"`);
  return reply
    .code(401)
    .header('www-authenticate', `Bearer ${params.join(', ')}`)
    .send({ jsonrpc: '2.0', error: { code: -32001, message }, id: null });
}

/** User-agent patterns of known MCP clients and the name people see in history; first match wins. */
const KNOWN_CLIENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/claude[-_ ]?code/i, 'Claude Code'],
  [/claude|anthropic/i, 'Claude'],
  [/chatgpt|openai/i, 'ChatGPT'],
  [/cursor/i, 'Cursor'],
  [/windsurf|codeium/i, 'Windsurf'],
  [/copilot|vscode|visual studio code/i, 'VS Code'],
  [/\bzed\b/i, 'Zed'],
  [/goose/i, 'Goose'],
  [/gemini/i, 'Gemini'],
  [/mcp-inspector|inspector/i, 'MCP Inspector'],
];

/** The client name for commit authors (`<name> (MCP)`): `clientInfo.name` when the request carries it, else the user agent. */
export function clientNameOf(userAgent: string | undefined, clientInfoName?: string): string {
  for (const candidate of [clientInfoName, userAgent]) {
    if (!candidate) continue;
    for (const [pattern, name] of KNOWN_CLIENTS) if (pattern.test(candidate)) return name;
  }
  const given = clientInfoName?.replace(/[\s<>\n\r]+/g, ' ').trim();
  return given ? given.slice(0, 60) : 'Assistant';
}
