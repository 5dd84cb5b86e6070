/**
 * Test helpers for the OAuth flow: an `OAuthClientProvider` for the MCP SDK that plays the browser (it follows the
 * authorization redirect with fetch, fills in the sign-in and consent forms, and keeps the cookies), users with
 * passwords, and wikis.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cliActor } from '../src/auth/actor.js';
import { hashPassword } from '../src/auth/passwords.js';
import * as uc from '../src/usecases/index.js';
import type { TestServer } from './harness.js';

export const PASSWORD = 'correct horse battery staple';

/** A premium user with a password and the wikis `<name>/<slug>` (default `<name>/notes`). */
export async function makeUser(h: TestServer, name: string, wikis: string[] = ['notes']): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD);
  await h.services.meta.createUser({ username: name, email: `${name}@example.test`, passwordHash, tier: 'premium' });
  for (const slug of wikis) await uc.createWiki(h.services, cliActor(null), { owner: name, slug, name: `${name} ${slug}` });
}

export interface BrowserChoices {
  login?: string;
  password?: string;
  /** `owner/slug` of the wikis to tick (default: every offered one). */
  wikis?: string[];
  access?: 'read' | 'write';
}

/** A minimal browser: cookies per host, manual redirects, HTML forms read with regular expressions. */
export class FakeBrowser {
  readonly cookies = new Map<string, string>();
  /** Every page and status the browser saw, for assertions and failure messages. */
  readonly visited: Array<{ url: string; status: number }> = [];

  async fetch(url: string, init: { method?: string; form?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.form ? { body: init.form.toString() } : {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    this.visited.push({ url, status: res.status });
    return res;
  }

  /**
   * Follows an authorization URL until the client's redirect URI, filling the forms; returns that final URL.
   * Throws with the page text when it gets stuck.
   */
  async authorize(authorizationUrl: string, redirectPrefix: string, choices: BrowserChoices = {}): Promise<URL> {
    let next: { url: string; form?: URLSearchParams } = { url: authorizationUrl };
    for (let step = 0; step < 20; step++) {
      const res = await this.fetch(next.url, next.form ? { method: 'POST', form: next.form } : {});
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const target = new URL(location, next.url).toString();
        if (target.startsWith(redirectPrefix)) return new URL(target);
        next = { url: target };
        continue;
      }
      const html = await res.text();
      const action = /<form method="post" action="([^"]+\/(?:login|consent))">/.exec(html)?.[1];
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action || !csrf) throw new Error(`stuck at ${next.url} (${res.status}): ${html.slice(0, 600)}`);
      const form = new URLSearchParams({ csrf });
      if (action.endsWith('/login')) {
        form.set('login', choices.login ?? '');
        form.set('password', choices.password ?? PASSWORD);
      } else {
        const offered = [...html.matchAll(/name="wiki" value="([^"]+)"/g)].map((m) => m[1]!);
        for (const w of choices.wikis ?? offered) form.append('wiki', w);
        form.set('access', choices.access ?? 'write');
      }
      next = { url: new URL(action, next.url).toString(), form };
    }
    throw new Error('too many steps');
  }
}

export const REDIRECT_URL = 'http://127.0.0.1:9/callback';

/** The SDK's OAuthClientProvider, in memory, with a FakeBrowser as the user agent. */
export class TestOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  savedTokens: OAuthTokens | undefined;
  verifier = '';
  /** The authorization code the last redirect brought back, and the authorization URL it came from. */
  code: string | null = null;
  lastAuthorizationUrl: URL | null = null;
  readonly browser = new FakeBrowser();

  constructor(
    readonly choices: BrowserChoices,
    readonly redirect = REDIRECT_URL,
    readonly name = 'Claude',
  ) {}

  get redirectUrl(): string {
    return this.redirect;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens;
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    this.lastAuthorizationUrl = url;
    const back = await this.browser.authorize(url.toString(), this.redirect, this.choices);
    this.code = back.searchParams.get('code');
    if (!this.code) throw new Error(`no code in ${back.toString()}`);
  }
}

export interface OAuthMcp {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

/** Connects the SDK client to `url` with OAuth: the first connect gets 401 and authorizes, the second succeeds. */
export async function connectWithOAuth(url: string, provider: TestOAuthProvider): Promise<OAuthMcp> {
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  try {
    await new Client({ name: 'oauth-test', version: '1.0.0' }).connect(first);
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    await first.finishAuth(provider.code!);
  }
  return connectWithTokens(url, provider);
}

/** Connects with the provider's saved tokens (refreshing them when the server says they expired). */
export async function connectWithTokens(url: string, provider: OAuthClientProvider): Promise<OAuthMcp> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: provider }));
  return {
    client,
    async call(name, args = {}) {
      const raw = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = raw.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      return { text, isError: raw.isError === true };
    },
    close: () => client.close(),
  };
}

export interface RegisteredClient {
  client_id: string;
  redirect_uris: string[];
}

/** Registers a public client (RFC 7591) and returns the server's answer. */
export async function registerClient(h: TestServer, metadata: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  scope: string;
  client_id: string;
  browser: FakeBrowser;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization URL of a code flow with PKCE S256 for `resource`. */
export function authorizationUrl(h: TestServer, clientId: string, challenge: string, resource: string, scope = 'wiki:read wiki:write'): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URL,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st4te',
    scope,
    resource,
  });
  return `${h.url}/oauth/authorize?${q.toString()}`;
}

/** Token endpoint call with a form body. */
export async function tokenRequest(h: Pick<TestServer, 'url'>, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Registration, authorization (sign-in + consent by `choices`) and the code exchange, without the SDK. */
export async function obtainTokens(h: TestServer, resourcePath: string, choices: BrowserChoices): Promise<Tokens> {
  const reg = await registerClient(h);
  const clientId = String(reg.body.client_id);
  const { verifier, challenge } = pkce();
  const resource = `${h.url}${resourcePath}`;
  const browser = new FakeBrowser();
  const back = await browser.authorize(authorizationUrl(h, clientId, challenge, resource), REDIRECT_URL, choices);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.toString()}`);
  const res = await tokenRequest(h, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URL, client_id: clientId, code_verifier: verifier, resource });
  if (res.status !== 200) throw new Error(`token request failed: ${JSON.stringify(res.body)}`);
  return { ...(res.body as { access_token: string; refresh_token: string; scope: string }), client_id: clientId, browser };
}

/** The decoded payload and header of a JWT (no verification). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
  };
}

/** A raw JSON-RPC call to an MCP endpoint: status, WWW-Authenticate and body. */
export async function rawMcp(url: string, token: string | null, method: string, params: Record<string, unknown> = {}): Promise<{ status: number; challenge: string | null; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() };
}
