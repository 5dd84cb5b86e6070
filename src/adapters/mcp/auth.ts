/**
 * Who is calling the MCP endpoints: the bearer token becomes an Actor (a personal access token, or a JWT access token
 * of the OAuth authorization server whose audience must be the MCP URL called), the 401 answer points clients at the
 * protected-resource metadata (RFC 9728), and the client's display name for commit authors is derived per request.
 *
 * Client name: the MCP `initialize` request carries `clientInfo.name`, but in stateless mode later requests (the
 * tool calls that commit) do not, and keeping it server-side would be session state. So a call's name comes from its
 * `User-Agent`, mapped to what people recognise (`Claude`, `ChatGPT`, `Cursor`, …), and is "Assistant" otherwise.
 */
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../auth/actor.js';
import { resourceMetadataUrl } from '../../auth/oauth/protected-resource.js';
import { oauthServerOf } from '../../auth/oauth/server.js';
import { WIKI_SCOPES } from '../../auth/oauth/scopes.js';
import * as uc from '../../usecases/index.js';
import type { Services } from '../../usecases/index.js';

/**
 * The Actor behind a bearer token presented to the MCP endpoint `resourceUrl` (door `mcp`): an OAuth access token
 * (a JWT from `issuer` whose audience is `resourceUrl`) or a personal access token; UNAUTHORIZED when it is unknown,
 * expired, revoked, malformed or meant for another endpoint.
 */
export async function authenticateBearer(services: Services, token: string, issuer: string, resourceUrl: string): Promise<Actor> {
  const oauth = await oauthServerOf(services).authenticate(token, issuer, resourceUrl);
  return oauth ?? uc.authenticateToken(services, token, 'mcp');
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

/**
 * Answers 403 with `error="insufficient_scope"` (RFC 6750) when a read-only OAuth grant calls a tool that writes: the
 * client may ask the user for a read-write grant (step-up authorization).
 */
export function sendInsufficientScope(reply: FastifyReply, baseUrl: string, resourcePath: string, message: string): FastifyReply {
  const params = [
    'error="insufficient_scope"',
    `scope="${WIKI_SCOPES.join(' ')}"`,
    `resource_metadata="${resourceMetadataUrl(baseUrl, resourcePath)}"`,
    `error_description="${message.replace(/"/g, "'")}"`,
  ];
  return reply
    .code(403)
    .header('www-authenticate', `Bearer ${params.join(', ')}`)
    .send({ jsonrpc: '2.0', error: { code: -32003, message }, id: null });
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
