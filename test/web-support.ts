/**
 * Helpers for the web tests: a cookie-keeping browser-like client over `fetch` that signs in through the real form
 * and sends the CSRF token the pages carry.
 */
import assert from 'node:assert/strict';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import type { TestServer } from './harness.js';

export const PASSWORD = 'correct horse battery staple';

export interface WebResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class WebClient {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly h: TestServer) {}

  async request(
    method: string,
    path: string,
    body?: Record<string, string> | Buffer,
    headers: Record<string, string> = {},
  ): Promise<WebResponse> {
    const all: Record<string, string> = { ...headers };
    if (this.cookies.size) all.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      all['content-type'] ??= 'application/octet-stream';
    } else if (body) {
      payload = new URLSearchParams(body).toString();
      all['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.h.url + path, {
      method,
      headers: all,
      redirect: 'manual',
      ...(payload !== undefined ? { body: payload } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const meta = /<meta name="csrf-token" content="([^"]*)">/.exec(text);
    if (meta) this.csrf = meta[1]!;
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** Posts a form with this client's CSRF token (unless `_csrf` is given). */
  post(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return this.request('POST', path, { _csrf: this.csrf, ...fields }, headers);
  }

  async signIn(login: string, password = PASSWORD): Promise<WebResponse> {
    await this.get('/-/signin');
    return this.post('/-/signin', { login, password, next: '/' });
  }
}

/**
 * A user with a password (the harness's tenants have none), signed in on a new client. Created as an operator would
 * (email verified) unless `emailVerified: false`, as after a self-service sign-up.
 */
export async function signedIn(
  h: TestServer,
  username: string,
  options: { emailVerified?: boolean } = {},
): Promise<WebClient> {
  if (!(await h.services.meta.getUserByUsername(username))) {
    await uc.createUser(h.services, {
      username,
      email: `${username}@example.test`,
      password: PASSWORD,
      emailVerified: options.emailVerified,
    });
  } else {
    const user = (await h.services.meta.getUserByUsername(username))!;
    if (!user.passwordHash) throw new Error(`${username} has no password`);
  }
  const client = new WebClient(h);
  const res = await client.signIn(username);
  assert.equal(res.status, 303, res.text);
  assert.ok(client.cookies.has('wb_session'));
  // Forms of a signed-in browser carry the session's CSRF token: pick it up from a page, as a browser would.
  assert.equal((await client.get('/-/sessions')).status, 200);
  return client;
}

/** A user `name` with a password and a wiki `name/notes`. */
export async function makeWebTenant(h: TestServer, name: string, visibility: 'public' | 'private' = 'private') {
  await uc.createUser(h.services, { username: name, email: `${name}@example.test`, password: PASSWORD });
  await uc.createWiki(h.services, cliActor(null), { owner: name, slug: 'notes', name: `${name} research`, visibility });
  const client = await signedIn(h, name);
  const actor = cliActor(await h.services.meta.getUserByUsername(name));
  const base = `/${name}/notes`;
  return {
    name,
    base,
    client,
    write: (path: string, content: string, revision?: string, commitMessage?: string) =>
      uc.writePage(h.services, actor, {
        owner: name,
        slug: 'notes',
        path,
        content,
        ...(revision ? { revision } : {}),
        ...(commitMessage ? { commitMessage } : {}),
      }),
    read: (path: string) => uc.readPage(h.services, actor, { owner: name, slug: 'notes', path }),
    head: () => h.services.repos.open(name, 'notes').head(),
  };
}
