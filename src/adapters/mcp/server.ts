/**
 * One MCP server per HTTP request (stateless Streamable HTTP): the SDK's low-level `Server` with two handlers,
 * tools/list answering from definitions computed once per process, and tools/call validating the arguments and
 * running the tool against use cases. Building one is a few object allocations, so nothing is kept between requests.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Actor } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import * as uc from '../../usecases/index.js';
import type { Logger, Services, WikiListing, WikiRef } from '../../usecases/index.js';
import { toolErrorResult } from './error-table.js';
import { toResult, type McpTool, type ToolContext } from './tool.js';
import { ATTACHMENT_TOOLS } from './tools/attachments.js';
import { BROWSE_TOOLS } from './tools/browse.js';
import { PAGE_TOOLS } from './tools/pages.js';
import { WIKI_TOOLS } from './tools/wikis.js';

/** Every tool, in the order tools/list shows them. */
export const MCP_TOOLS: readonly McpTool[] = [...PAGE_TOOLS, ...BROWSE_TOOLS, ...ATTACHMENT_TOOLS, ...WIKI_TOOLS];

const byName = new Map(MCP_TOOLS.map((t) => [t.name, t]));
const lists = new Map<boolean, Tool[]>();

/** The tool definitions of `/mcp` (with the `wiki` parameter) or of `/<owner>/<wiki>/mcp`, built once. */
export function toolDefinitions(withWikiParam: boolean): Tool[] {
  let list = lists.get(withWikiParam);
  if (!list) {
    list = MCP_TOOLS.map((t) => t.definition(withWikiParam));
    lists.set(withWikiParam, list);
  }
  return list;
}

export const SERVER_INFO = { name: 'wikibot', title: 'Wikibot', version: '0.1.0' };

/** Each Server would otherwise build its own Ajv (about a third of a millisecond); it is only used for elicitation. */
const sharedValidator = new AjvJsonSchemaValidator();

export interface McpRequestContext {
  services: Services;
  actor: Actor;
  /** The wiki of `/<owner>/<wiki>/mcp`, already checked to be readable; null on `/mcp`. */
  endpoint: WikiListing | null;
  baseUrl: string;
  requestId: string;
  log: Logger;
  /** Sent in the initialize answer. */
  instructions?: string | undefined;
}

/** The wikis a connection reaches, looked up at most once per request. */
function wikisOnce(rc: McpRequestContext): () => Promise<WikiListing[]> {
  let pending: Promise<WikiListing[]> | null = null;
  return () => {
    pending ??= rc.endpoint ? Promise.resolve([rc.endpoint]) : uc.listWikisFor(rc.services, rc.actor);
    return pending;
  };
}

/** Which wiki a call on `/mcp` is about: the `wiki` argument, or the only wiki the connection reaches. */
async function resolveWiki(arg: unknown, wikis: () => Promise<WikiListing[]>): Promise<WikiRef> {
  if (typeof arg === 'string') {
    const [owner, slug] = arg.split('/');
    return { owner: owner!, slug: slug! };
  }
  const all = await wikis();
  if (all.length === 1) return { owner: all[0]!.owner, slug: all[0]!.slug };
  if (all.length === 0) throw new WikiError('WIKI_NOT_FOUND', 'This connection reaches no wiki.', {});
  throw new WikiError(
    'INVALID_INPUT',
    `This connection reaches ${all.length} wikis (${all.map((w) => w.id).join(', ')}): pass wiki: "owner/slug" to say which one. Nothing was done.`,
    { wikis: all.map((w) => w.id) },
  );
}

export function buildMcpServer(rc: McpRequestContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    jsonSchemaValidator: sharedValidator,
    ...(rc.instructions ? { instructions: rc.instructions } : {}),
  });
  const endpointWiki: WikiRef | null = rc.endpoint ? { owner: rc.endpoint.owner, slug: rc.endpoint.slug } : null;
  const withWiki = endpointWiki === null;
  const wikis = wikisOnce(rc);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolDefinitions(withWiki) }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    const tool = byName.get(name);
    try {
      if (!tool) {
        throw new WikiError('INVALID_INPUT', `There is no tool "${name}". Call tools/list to see the tools; read_note, search_notes and write_note are the main ones.`, { tool: name });
      }
      const ctx: ToolContext = {
        services: rc.services,
        actor: rc.actor,
        endpointWiki,
        wikis,
        baseUrl: rc.baseUrl,
        wiki: endpointWiki ? () => Promise.resolve(endpointWiki) : () => resolveWiki(args.wiki, wikis),
      };
      return toResult(await tool.call(ctx, args, withWiki));
    } catch (err) {
      return toolErrorResult(err, rc.requestId, rc.log, name);
    }
  });
  return server;
}
