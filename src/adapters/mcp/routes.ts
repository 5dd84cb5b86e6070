/**
 * The MCP endpoints over Streamable HTTP, stateless: `POST /mcp` (every wiki the token reaches) and
 * `POST /<owner>/<wiki>/mcp` (that wiki only). Each request gets a fresh server and transport; Fastify hands the raw
 * request, response and parsed body to the SDK. Also: Origin checks and CORS for browser clients, 401 with the
 * `WWW-Authenticate` challenge, 403 `insufficient_scope` for a read-only OAuth grant calling a writing tool, and 405
 * for GET/DELETE (no server-initiated streams, no sessions to end). The protected-resource metadata documents are
 * served by the OAuth adapter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Actor } from '../../auth/actor.js';
import { isWikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { Services, WikiListing, WikiRef } from '../../usecases/index.js';
import { baseUrlOf, bearerToken } from '../../auth/oauth/protected-resource.js';
import { issuerFor } from '../../auth/oauth/server.js';
import { authenticateBearer, clientNameOf, sendInsufficientScope, sendUnauthorized } from './auth.js';
import { serverInstructions } from './instructions.js';
import { buildMcpServer, MCP_TOOLS } from './server.js';

export interface McpRouteOptions {
  /**
   * Browser origins allowed to call the endpoints besides this server's own (requests without `Origin`, from
   * non-browser clients, are always allowed). Default: the web apps of Claude and ChatGPT.
   */
  allowedOrigins?: readonly string[] | undefined;
}

export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['https://claude.ai', 'https://chatgpt.com', 'https://chat.openai.com'];

const ALLOW_HEADERS = 'authorization, content-type, accept, mcp-protocol-version, mcp-session-id, last-event-id';
const EXPOSE_HEADERS = 'mcp-session-id, www-authenticate';

const rpcError = (message: string, code = -32000) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

export function registerMcpRoutes(app: FastifyInstance, services: Services, options: McpRouteOptions = {}): void {
  const allowed = new Set(options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS);

  /** The Origin the answer may be shared with; null when absent; false when it is a foreign browser origin. */
  const originOf = (request: FastifyRequest): string | null | false => {
    const origin = request.headers.origin;
    if (origin === undefined || origin === '') return null;
    if (allowed.has(origin) || origin === new URL(baseUrlOf(services, request)).origin) return origin;
    return false;
  };

  const cors = (reply: FastifyReply, origin: string | null) => {
    if (origin === null) return;
    void reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', EXPOSE_HEADERS);
  };

  const resourcePathOf = (ref: WikiRef | null) => (ref ? `/${ref.owner}/${ref.slug}/mcp` : '/mcp');

  const refOf = (request: FastifyRequest): WikiRef | null => {
    const p = request.params as { owner?: string; wiki?: string };
    return p.owner && p.wiki ? { owner: p.owner, slug: p.wiki } : null;
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = originOf(request);
    if (origin === false) return reply.code(403).send(rpcError(`Origin ${request.headers.origin} may not call this MCP endpoint.`));
    cors(reply, origin);
    const baseUrl = baseUrlOf(services, request);
    const asked = refOf(request);
    const resourcePath = resourcePathOf(asked);

    let actor: Actor;
    try {
      const token = bearerToken(request.headers.authorization);
      if (token === null) return sendUnauthorized(reply, baseUrl, resourcePath, 'Authorization required: send "Authorization: Bearer <token>".', false);
      actor = await authenticateBearer(services, token, issuerFor(services, request), `${baseUrl}${resourcePath}`);
    } catch (err) {
      if (isWikiError(err, 'UNAUTHORIZED')) return sendUnauthorized(reply, baseUrl, resourcePath, err.message, true);
      throw err;
    }

    const body: unknown = request.body;
    // OAuth grants (they carry wikiIds) answer a write with a read-only grant at the HTTP level, as the MCP spec asks.
    const writing = actor.token?.wikiIds && actor.token.scope === 'read' ? writingToolOf(body) : null;
    if (writing) {
      return sendInsufficientScope(reply, baseUrl, resourcePath, `This connection was granted read-only access: ${writing} needs wiki:write. Reconnect and choose read and write.`);
    }
    const init = isInitializeRequest(body) ? body : null;
    actor = { ...actor, clientName: clientNameOf(request.headers['user-agent'], init?.params.clientInfo.name) };

    let endpoint: WikiListing | null = null;
    if (asked) {
      try {
        endpoint = await uc.describeWikiFor(services, actor, asked);
      } catch (err) {
        if (isWikiError(err, 'WIKI_NOT_FOUND')) return reply.code(404).send(rpcError(err.message, -32002));
        throw err;
      }
    }

    const instructions = init ? serverInstructions(endpoint ? [endpoint] : await uc.listWikisFor(services, actor), endpoint !== null) : undefined;
    const server = buildMcpServer({ services, actor, endpoint, baseUrl, requestId: request.id, log: request.log, instructions });
    // No sessionIdGenerator: stateless mode. JSON answers rather than an SSE stream: every call answers once.
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    await server.connect(transport);
    reply.hijack();
    const raw = reply.raw;
    raw.setHeader('x-request-id', request.id);
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) raw.setHeader(name, value);
    raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await transport.handleRequest(request.raw, raw, body);
    } catch (err) {
      request.log.error({ err }, 'mcp request failed');
      if (!raw.headersSent) {
        raw.writeHead(500, { 'content-type': 'application/json' });
        raw.end(JSON.stringify(rpcError(`Internal error (request ${request.id}).`, -32603)));
      } else raw.end();
    }
  };

  const notAllowed = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = originOf(request);
    if (origin === false) return reply.code(403).send(rpcError(`Origin ${request.headers.origin} may not call this MCP endpoint.`));
    cors(reply, origin);
    return reply
      .code(405)
      .header('allow', 'POST, OPTIONS')
      .send(rpcError('This server is stateless: send JSON-RPC messages with POST. There are no server-initiated streams (GET) or sessions to end (DELETE).'));
  };

  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = originOf(request);
    if (origin === false) return reply.code(403).send(rpcError(`Origin ${request.headers.origin} may not call this MCP endpoint.`));
    cors(reply, origin);
    return reply
      .code(204)
      .header('access-control-allow-methods', 'POST, GET, DELETE, OPTIONS')
      .header('access-control-allow-headers', ALLOW_HEADERS)
      .header('access-control-max-age', '86400')
      .send();
  };

  for (const url of ['/mcp', '/:owner/:wiki/mcp']) {
    app.post(url, handle);
    app.route({ method: ['GET', 'DELETE'], url, handler: notAllowed });
    app.options(url, preflight);
  }

}

/** Tools that write: a read-only OAuth grant calling one gets 403 insufficient_scope before the tool runs. */
const WRITING_TOOLS = new Set(MCP_TOOLS.filter((t) => t.definition(false).annotations?.readOnlyHint !== true).map((t) => t.name));

/** The writing tool a JSON-RPC body calls, if any (a batch is not inspected: the tool itself refuses then). */
function writingToolOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  if (method !== 'tools/call' || typeof params?.name !== 'string') return null;
  return WRITING_TOOLS.has(params.name) ? params.name : null;
}
