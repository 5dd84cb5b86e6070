/**
 * How an MCP tool is declared: its product text (summary, parameters, returns, next steps — composed into the
 * description a model reads), a zod input shape, annotations and a handler that calls use cases. The JSON schema and
 * description are computed once per endpoint kind and reused by every request.
 */
import type { CallToolResult, Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { z } from 'zod';
import type { Actor } from '../../auth/actor.js';
import { WikiError } from '../../errors.js';
import type { Services, WikiListing, WikiRef } from '../../usecases/index.js';

/** What a handler gets besides its arguments. */
export interface ToolContext {
  services: Services;
  actor: Actor;
  /** The wiki the call is about: the endpoint's own, the `wiki` argument, or the only one the connection reaches. */
  wiki(): Promise<WikiRef>;
  /** The wiki of a `/<owner>/<wiki>/mcp` endpoint; null on `/mcp`. */
  endpointWiki: WikiRef | null;
  /** The wikis this connection reaches (just the endpoint's own on `/<owner>/<wiki>/mcp`). */
  wikis(): Promise<WikiListing[]>;
  /** `https://host` (no trailing slash): for links back to pages. */
  baseUrl: string;
}

/** A handler's answer: compact text for the model, and the same facts as structured content where useful. */
export interface ToolOutput {
  text: string;
  structured?: Record<string, unknown>;
  /** More content blocks after the text (an image a model can look at). */
  more?: CallToolResult['content'];
}

export interface ToolSpec<S extends z.ZodRawShape> {
  name: string;
  title: string;
  /** What the tool does and when to use it. */
  summary: string;
  /** Each parameter with `.describe()` text that has an example. */
  params: S;
  returns: string;
  next: string;
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean };
  /** False for the one tool that is about the connection rather than one wiki (list_wikis). */
  perWiki?: boolean;
  run(ctx: ToolContext, args: z.infer<z.ZodObject<S>>): Promise<ToolOutput>;
}

/** A tool with its generics erased, as the registry holds it. */
export interface McpTool {
  name: string;
  perWiki: boolean;
  definition(withWikiParam: boolean): Tool;
  call(ctx: ToolContext, args: Record<string, unknown>, withWikiParam: boolean): Promise<ToolOutput>;
}

export const WIKI_PARAM_TEXT =
  'The wiki to work in, as "owner/slug", e.g. "alice/iran-research". Optional when this connection reaches only one wiki; list_wikis shows the ones it reaches.';

const wikiParam = z
  .string({ invalid_type_error: 'must be a string like "owner/slug"' })
  .regex(/^[^/\s]+\/[^/\s]+$/, 'must look like "owner/slug", e.g. "alice/iran-research"')
  .optional()
  .describe(WIKI_PARAM_TEXT);

const isOptional = (schema: z.ZodTypeAny): boolean => schema.isOptional();

export function defineTool<S extends z.ZodRawShape>(spec: ToolSpec<S>): McpTool {
  const perWiki = spec.perWiki ?? true;
  const shapes = {
    fixed: z.object(spec.params).strict(),
    open: perWiki ? z.object({ ...spec.params, wiki: wikiParam }).strict() : z.object(spec.params).strict(),
  };
  const annotations: ToolAnnotations = { title: spec.title, ...spec.annotations, openWorldHint: false };
  const cache = new Map<boolean, Tool>();

  const describeTool = (withWiki: boolean): string => {
    const entries: Array<[string, z.ZodTypeAny]> = Object.entries<z.ZodTypeAny>(spec.params);
    if (withWiki && perWiki) entries.push(['wiki', wikiParam]);
    const params = entries.length
      ? ['Parameters:', ...entries.map(([name, s]) => `- ${name}${isOptional(s) ? ' (optional)' : ''}: ${s.description ?? ''}`)]
      : ['Parameters: none.'];
    return [spec.summary, '', ...params, '', `Returns: ${spec.returns}`, '', `Next: ${spec.next}`].join('\n');
  };

  const docsOf = (withWiki: boolean): Record<string, string> => {
    const docs: Record<string, string> = {};
    for (const [name, s] of Object.entries<z.ZodTypeAny>(spec.params)) docs[name] = s.description ?? '';
    if (withWiki && perWiki) docs.wiki = WIKI_PARAM_TEXT;
    return docs;
  };

  return {
    name: spec.name,
    perWiki,
    definition(withWiki) {
      let tool = cache.get(withWiki);
      if (!tool) {
        const schema = withWiki ? shapes.open : shapes.fixed;
        const json = toJsonSchemaCompat(schema) as Record<string, unknown>;
        delete json.$schema;
        tool = {
          name: spec.name,
          title: spec.title,
          description: describeTool(withWiki),
          inputSchema: json as Tool['inputSchema'],
          annotations,
        };
        cache.set(withWiki, tool);
      }
      return tool;
    },
    async call(ctx, args, withWiki) {
      const schema = withWiki ? shapes.open : shapes.fixed;
      const parsed = schema.safeParse(args);
      if (!parsed.success) throw invalidArguments(spec.name, parsed.error, docsOf(withWiki));
      return spec.run(ctx, parsed.data);
    },
  };
}

/** One sentence per problem, each naming the parameter and what it should be, with the parameter's own example. */
function invalidArguments(tool: string, error: z.ZodError, docs: Record<string, string>): WikiError {
  const problems = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (${tool} takes ${
        Object.keys(docs).map((k) => `"${k}"`).join(', ') || 'no parameters'
      })`;
    }
    const field = String(issue.path[0] ?? '');
    const where = issue.path.length ? `"${issue.path.join('.')}"` : 'the arguments';
    const doc = docs[field] ? ` (${docs[field].replace(/\.$/, '')})` : '';
    if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${where} is required${doc}`;
    return `${where}: ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}${doc}`;
  });
  return new WikiError('INVALID_INPUT', `Invalid arguments for ${tool}: ${problems.join('; ')}. Nothing was done; fix the arguments and call ${tool} again.`, {
    tool,
    fields: error.issues.map((i) => i.path.join('.')),
  });
}

/** A tool result from a handler's output. */
export function toResult(out: ToolOutput): CallToolResult {
  return {
    content: [{ type: 'text', text: out.text }, ...(out.more ?? [])],
    ...(out.structured ? { structuredContent: out.structured } : {}),
  };
}
