/**
 * An MCP client for tests and benchmarks: the SDK's own `Client` over `StreamableHTTPClientTransport`, with the
 * bearer token (and optionally a user agent) in every request's headers, and tool answers flattened to text.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface ToolAnswer {
  text: string;
  isError: boolean;
  structured: Record<string, unknown> | undefined;
  raw: CallToolResult;
}

export interface McpTestClient {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  token?: string | undefined;
  userAgent?: string | undefined;
  clientName?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** Connects to `url` (e.g. `http://127.0.0.1:1234/mcp`) and initializes. */
export async function connectMcp(url: string, options: ConnectOptions = {}): Promise<McpTestClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.userAgent !== undefined) headers['user-agent'] = options.userAgent;
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: options.clientName ?? 'wikibot-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    async call(name, args = {}) {
      const raw = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = raw.content
        .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
        .map((c) => c.text)
        .join('\n');
      return { text, isError: raw.isError === true, structured: raw.structuredContent, raw };
    },
    close: () => client.close(),
  };
}
