/**
 * A local stand-in for GitHub's OAuth web flow and the two REST reads sign-in needs, on 127.0.0.1, answering the way
 * github.com does: `GET /login/oauth/authorize` shows the "Authorize app" page to a browser signed in at GitHub (a
 * `gh_session` cookie) and its form redirects back with `code` + `state` (or `error=access_denied`);
 * `POST /login/oauth/access_token` checks client secret, code (single use, 10 minutes), redirect_uri and the PKCE
 * verifier, and answers errors with HTTP 200 and an `error` field; `GET /api/v3/user` and `/api/v3/user/emails`
 * (the Enterprise Server layout) check the bearer token, its scope and the User-Agent header. An account can be made
 * to fail its API reads (a 5xx status, or no answer at all) to test what the sign-in does then.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

export interface GitHubAccount {
  /** The stable numeric id; `login` can be renamed. */
  id: number;
  login: string;
  name: string | null;
  /** The public profile email, which anyone can set to any address: a client must not trust it. */
  email: string | null;
  emails: GitHubEmail[];
  /** Makes this account's API reads fail: with this HTTP status, or `hang` (no answer until the stand-in closes). */
  fault?: number | 'hang';
}

interface Client {
  secret: string;
  redirectUri: string;
}

interface Grant {
  clientId: string;
  accountId: number;
  redirectUri: string;
  scope: string;
  challenge: string;
  expires: number;
}

let nextId = 4_100_000 + Math.floor(Math.random() * 1_000_000);

export class GitHubStandIn {
  readonly accounts = new Map<number, GitHubAccount>();
  private readonly clients = new Map<string, Client>();
  private readonly codes = new Map<string, Grant>();
  private readonly tokens = new Map<string, { accountId: number; scope: string }>();
  /** Every token exchange's form, as received: tests look at what the client sent. */
  readonly exchanges: URLSearchParams[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<GitHubStandIn> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const standIn = new GitHubStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      standIn.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
    return standIn;
  }

  get authorizationEndpoint(): string {
    return `${this.url}/login/oauth/authorize`;
  }
  get tokenEndpoint(): string {
    return `${this.url}/login/oauth/access_token`;
  }
  get apiUrl(): string {
    return `${this.url}/api/v3`;
  }

  /** Registers an OAuth App: its client id, secret and callback URL. */
  registerClient(clientId: string, secret: string, redirectUri: string): void {
    this.clients.set(clientId, { secret, redirectUri });
  }

  /** A new GitHub account with a fresh id; by default one primary verified email and the same public email. */
  addAccount(login: string, extra: Partial<Omit<GitHubAccount, 'id'>> = {}): GitHubAccount {
    const email = `${login}@users.github.test`;
    const account: GitHubAccount = { id: nextId++, login, name: `${login} (GitHub)`, email, emails: [{ email, primary: true, verified: true }], ...extra };
    this.accounts.set(account.id, account);
    return account;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      // Ends the answers a `hang` account is still holding.
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/login/oauth/authorize') return this.authorize(req, res, req.method === 'POST' ? new URLSearchParams(await body(req)) : url.searchParams);
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') return this.token(req, res, await body(req));
    if (url.pathname === '/api/v3/user' || url.pathname === '/api/v3/user/emails') return this.api(req, res, url.pathname.slice('/api/v3'.length));
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
  }

  private authorize(req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void {
    const clientId = q.get('client_id') ?? '';
    const client = this.clients.get(clientId);
    if (!client) return page(res, 404, '<h1>404</h1><p>The OAuth application was not found.</p>');
    const redirectUri = q.get('redirect_uri') ?? client.redirectUri;
    const state = q.get('state') ?? '';
    const back = (params: Record<string, string>) => {
      // A mismatching redirect_uri is never followed: GitHub answers at the registered callback URL.
      const target = new URL(client.redirectUri);
      for (const [k, v] of Object.entries({ ...params, state })) target.searchParams.set(k, v);
      res.writeHead(302, { location: target.href }).end();
    };
    if (redirectUri !== client.redirectUri) {
      return back({ error: 'redirect_uri_mismatch', error_description: 'The redirect_uri MUST match the registered callback URL for this application.' });
    }
    // GitHub accepts PKCE S256 only; this stand-in insists on it, so a passing test shows the client sends it.
    const challenge = q.get('code_challenge') ?? '';
    if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return page(res, 400, '<h1>Bad request</h1><p>code_challenge with code_challenge_method S256 is required.</p>');
    }
    const session = /(?:^|;\s*)gh_session=(\d+)/.exec(req.headers.cookie ?? '')?.[1];
    const account = session ? this.accounts.get(Number(session)) : undefined;
    if (!account) return page(res, 200, '<h1>Sign in to GitHub</h1><form method="post" action="/session"><input name="login"></form>');
    const scope = q.get('scope') ?? '';
    if (req.method === 'GET') {
      const hidden = ['client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method']
        .map((k) => `<input type="hidden" name="${k}" value="${escape(q.get(k) ?? '')}">`)
        .join('');
      return page(
        res,
        200,
        `<h1>Authorize app</h1><p>Signed in as ${escape(account.login)}; scope ${escape(scope)}</p><form method="post" action="/login/oauth/authorize">${hidden}<button name="authorize" value="1">Authorize</button><button name="authorize" value="0">Cancel</button></form>`,
      );
    }
    if (q.get('authorize') !== '1') {
      return back({ error: 'access_denied', error_description: 'The user has denied your application access.', error_uri: 'https://docs.github.com/apps/troubleshooting' });
    }
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { clientId, accountId: account.id, redirectUri, scope, challenge, expires: Date.now() + 600_000 });
    back({ code });
  }

  private token(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const form = (req.headers['content-type'] ?? '').startsWith('application/json')
      ? new URLSearchParams(Object.entries(JSON.parse(raw) as Record<string, string>))
      : new URLSearchParams(raw);
    this.exchanges.push(form);
    // Without `Accept: application/json`, GitHub answers form-encoded.
    const json = (req.headers.accept ?? '').includes('application/json');
    const answer = (fields: Record<string, string>) => {
      if (json) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fields));
      else res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(fields).toString());
    };
    const client = this.clients.get(form.get('client_id') ?? '');
    if (!client || client.secret !== form.get('client_secret')) {
      return answer({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
    }
    const code = form.get('code') ?? '';
    const grant = this.codes.get(code);
    if (!grant || grant.clientId !== form.get('client_id') || grant.expires < Date.now()) {
      return answer({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
    }
    if (form.has('redirect_uri') && form.get('redirect_uri') !== grant.redirectUri) {
      return answer({ error: 'redirect_uri_mismatch', error_description: 'The redirect_uri MUST match the registered callback URL for this application.' });
    }
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
      return answer({ error: 'bad_verification_code', error_description: 'The code_verifier does not match the code_challenge.' });
    }
    this.codes.delete(code);
    const token = `gho_${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, { accountId: grant.accountId, scope: grant.scope });
    answer({ access_token: token, token_type: 'bearer', scope: grant.scope.split(' ').join(',') });
  }

  private api(req: IncomingMessage, res: ServerResponse, path: string): void {
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
    };
    if (!req.headers['user-agent']) {
      return send(403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.' });
    }
    const bearer = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ? this.tokens.get(bearer) : undefined;
    const account = token ? this.accounts.get(token.accountId) : undefined;
    if (!token || !account) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    if (account.fault === 'hang') return;
    if (typeof account.fault === 'number') {
      res.writeHead(account.fault, { 'content-type': 'text/html' }).end('<h1>Unicorn!</h1><p>This page is taking too long to load.</p>');
      return;
    }
    if (path === '/user') return send(200, { login: account.login, id: account.id, node_id: `U_${account.id}`, type: 'User', name: account.name, email: account.email });
    // Without the user:email scope GitHub hides the list.
    if (!token.scope.split(/[ ,]/).includes('user:email')) return send(404, { message: 'Not Found' });
    send(200, account.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })));
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function page(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>${html}`);
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The browser's side at GitHub, signed in there as `account`: opens the authorization URL wikibot redirected to,
 * presses Authorize (or Cancel), and returns where GitHub sends the browser back (wikibot's callback URL).
 */
export async function approveAtGitHub(authorizeUrl: string, account: GitHubAccount, decision: 'authorize' | 'cancel' = 'authorize'): Promise<string> {
  const headers = { cookie: `gh_session=${account.id}` };
  const shown = await fetch(authorizeUrl, { headers, redirect: 'manual' });
  const html = await shown.text();
  if (shown.status !== 200 || !html.includes('Authorize app')) throw new Error(`no authorization page at GitHub: ${shown.status} ${html.slice(0, 300)}`);
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
  form.set('authorize', decision === 'authorize' ? '1' : '0');
  const answered = await fetch(new URL('/login/oauth/authorize', authorizeUrl), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = answered.headers.get('location');
  if (answered.status !== 302 || !location) throw new Error(`GitHub did not send the browser back: ${answered.status} ${await answered.text()}`);
  return location;
}
