/**
 * One policy, every door (issue 4): roles × actions × doors × wiki visibility, each cell run through its real door —
 * REST with a personal access token, the web with a session cookie and CSRF token, MCP through the SDK's client, git
 * with the git CLI — against one server. The expected outcome of every cell is derived from the policy's rules,
 * written once below; an allowed cell must show its effect, a refused one the right status and no change at all.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SESSION_COOKIE } from '../src/adapters/web/http.js';
import { cliActor } from '../src/auth/actor.js';
import * as uc from '../src/usecases/index.js';
import { gitClient, remoteUrl, type GitClient } from './git-http-support.js';
import { connectMcp, type McpTestClient } from './mcp-client.js';
import { startServer, type TestServer } from './harness.js';
import { WebClient } from './web-support.js';

// ---- The policy, written once (issue 4) ----

type Who = 'owner' | 'editor' | 'viewer' | 'stranger' | 'anonymous' | 'admin' | 'disabled' | 'lapsed';
type Act = 'read' | 'write' | 'upload' | 'manage' | 'delete';
type DoorName = 'rest' | 'web' | 'mcp' | 'git';
type Vis = 'private' | 'public';

const WHO: readonly Who[] = ['owner', 'editor', 'viewer', 'stranger', 'anonymous', 'admin', 'disabled', 'lapsed'];
const ACTS: readonly Act[] = ['read', 'write', 'upload', 'manage', 'delete'];
const DOORS: readonly DoorName[] = ['rest', 'web', 'mcp', 'git'];
const VIS: readonly Vis[] = ['private', 'public'];

/** What each role may do on a wiki; anyone may read a public wiki. */
const ROLE_MAY: Record<'owner' | 'editor' | 'viewer' | 'admin' | 'none', readonly Act[]> = {
  owner: ['read', 'write', 'upload', 'manage', 'delete'],
  editor: ['read', 'write', 'upload'],
  viewer: ['read'],
  admin: ['read', 'write', 'upload', 'manage', 'delete'],
  none: [],
};
const ROLE_OF: Record<Who, keyof typeof ROLE_MAY> = {
  owner: 'owner',
  lapsed: 'owner',
  editor: 'editor',
  viewer: 'viewer',
  admin: 'admin',
  stranger: 'none',
  anonymous: 'none',
  disabled: 'editor',
};

/** `can(actor, action, wiki)`: a disabled account may do nothing; a lapsed owner's wiki is read-only for writes. */
function policy(who: Who, act: Act, vis: Vis): boolean {
  if (who === 'disabled') return false;
  if (who === 'lapsed' && (act === 'write' || act === 'upload')) return false;
  return ROLE_MAY[ROLE_OF[who]].includes(act) || (act === 'read' && vis === 'public');
}

/** The actions each door offers: MCP and git have no wiki settings or wiki deletion. */
const DOOR_ACTS: Record<DoorName, readonly Act[]> = {
  rest: ACTS,
  web: ACTS,
  mcp: ['read', 'write', 'upload'],
  git: ['read', 'write', 'upload'],
};

/** MCP needs a token for every call, even on a public wiki. */
const needsToken = (door: DoorName) => door === 'mcp';
/** Doors that ask a visitor for credentials when the wiki refuses them, rather than answer "not found". */
const asksSignIn = (door: DoorName, act: Act) => door === 'git' || (door === 'web' && (act === 'manage' || act === 'delete'));
/**
 * Doors where a refused account is left a visitor: the web (the session ends) and git (the client sends its token
 * only when the server asks for one). REST and MCP send the token with every request, and it is refused: 401.
 */
const visitorWhenRefused = (door: DoorName) => door === 'web' || door === 'git';

type Outcome = { kind: 'allowed' } | { kind: 'denied'; status: 401 | 403 } | { kind: 'hidden' };

/** The expected outcome of one cell, or null where the door does not offer the action. */
function expected(who: Who, act: Act, vis: Vis, door: DoorName): Outcome | null {
  if (!DOOR_ACTS[door].includes(act)) return null;
  if (who === 'disabled' && !visitorWhenRefused(door)) return { kind: 'denied', status: 401 };
  const as: Who = who === 'disabled' ? 'anonymous' : who;
  if (as === 'anonymous' && needsToken(door)) return { kind: 'denied', status: 401 };
  if (policy(as, act, vis)) return { kind: 'allowed' };
  if (as === 'anonymous' && asksSignIn(door, act)) return { kind: 'denied', status: 401 };
  // A wiki the actor cannot see does not exist for them: 404, never 403.
  if (!policy(as, 'read', vis)) return { kind: 'hidden' };
  return { kind: 'denied', status: as === 'anonymous' ? 401 : 403 };
}

const label = (o: Outcome | null) => (o === null ? 'n/a' : o.kind === 'denied' ? `denied(${o.status})` : o.kind === 'hidden' ? 'hidden(404)' : 'allowed');

// ---- The cast ----

const OWNER = 'pm-owner';
const LAPSED = 'pm-lapsed';
const USERNAMES: Record<Exclude<Who, 'anonymous'>, string> = {
  owner: OWNER,
  editor: 'pm-editor',
  viewer: 'pm-viewer',
  stranger: 'pm-stranger',
  admin: 'pm-admin',
  disabled: 'pm-disabled',
  lapsed: LAPSED,
};
const ADMIN_EMAIL = 'pm-admin@example.test';
const SLUG: Record<Vis, string> = { private: 'priv', public: 'pub' };

interface Cell {
  who: Who;
  act: Act;
  door: DoorName;
  vis: Vis;
  /** Unique per cell, usable in page names, file names and emails. */
  id: string;
}

interface Target {
  owner: string;
  slug: string;
}

/** What a door answered, normalized: success (with what was read), or the status the client saw. */
type Result = { ok: true; body: string } | { ok: false; status: number; detail: string };

/** Everything a refused cell must leave as it was. */
interface Snapshot {
  exists: boolean;
  head: string | null;
  name: string | null;
  collaborators: string;
}

void describe('one policy over every door (roles × actions × doors × visibility)', () => {
  let h: TestServer;
  let git: GitClient;
  const tokens = new Map<Who, string>();
  const web = new Map<Who, WebClient>();
  const mcp = new Map<Who, McpTestClient>();
  const observed = new Map<string, string>();
  let wikiCounter = 0;

  const repoDir = (t: Target) => join(h.dataDir, 'repos', t.owner, `${t.slug}.git`);
  const headOf = async (t: Target) => ((await h.services.meta.getWiki(t.owner, t.slug)) ? h.services.repos.open(t.owner, t.slug).head() : null);
  const fileAt = async (t: Target, path: string): Promise<string | null> => {
    const r = await git.run(['show', `main:${path}`], { cwd: repoDir(t) });
    return r.code === 0 ? r.stdout : null;
  };
  const marker = (t: Target) => `seedmarker ${t.owner} ${t.slug}`;

  async function makeWiki(owner: string, slug: string, vis: Vis, seed = true): Promise<Target> {
    const t = { owner, slug };
    await uc.createWiki(h.services, cliActor(null), { owner, slug, name: `Wiki ${slug}`, visibility: vis });
    if (seed) await uc.writePage(h.services, cliActor(null), { owner, slug, path: 'Seed', content: `# Seed\n\n${marker(t)}\n` });
    if (owner === OWNER) {
      const wiki = (await h.services.meta.getWiki(owner, slug))!;
      for (const who of ['editor', 'viewer', 'disabled'] as const) {
        const user = (await h.services.meta.getUserByUsername(USERNAMES[who]))!;
        await h.services.meta.setRole(wiki.id, user.id, ROLE_OF[who] === 'viewer' ? 'viewer' : 'editor');
      }
    }
    return t;
  }

  async function snapshot(t: Target): Promise<Snapshot> {
    const wiki = await h.services.meta.getWiki(t.owner, t.slug);
    if (!wiki) return { exists: false, head: null, name: null, collaborators: '' };
    const collab = await uc.listCollaborators(h.services, cliActor(null), t);
    return { exists: existsSync(repoDir(t)), head: await headOf(t), name: wiki.name, collaborators: JSON.stringify(collab.collaborators) };
  }

  /**
   * A browser signed in as `username`. The session is opened as an identity-provider sign-in opens it (no password
   * hashing: the form itself is tested in web-routes); the CSRF token comes from a page, as a browser gets it.
   */
  async function sessionOf(username: string): Promise<WebClient> {
    const user = (await h.services.meta.getUserByUsername(username))!;
    const client = new WebClient(h);
    client.cookies.set(SESSION_COOKIE, (await uc.openSession(h.services, user, 'policy-matrix')).secret);
    assert.equal((await client.get('/-/sessions')).status, 200);
    assert.notEqual(client.csrf, '');
    return client;
  }

  before(async () => {
    h = await startServer({
      env: { WIKIBOT_ADMIN_EMAIL: ADMIN_EMAIL, WIKIBOT_TIERS: JSON.stringify({ free: { wikis: 100 }, premium: { wikis: 100 } }) },
    });
    git = gitClient();
    for (const who of WHO) {
      if (who === 'anonymous') continue;
      const username = USERNAMES[who];
      await uc.createUser(h.services, { username, email: who === 'admin' ? ADMIN_EMAIL : `${username}@example.test`, password: null });
      tokens.set(who, (await uc.createToken(h.services, { username, scope: 'write' })).token);
    }
    assert.equal((await h.services.meta.getUserByUsername(USERNAMES.admin))?.isAdmin, true);
    // Pushing needs an owner on the premium tier.
    await uc.setUserTier(h.services, OWNER, 'premium');
    for (const vis of VIS) {
      await makeWiki(OWNER, SLUG[vis], vis);
      await makeWiki(LAPSED, SLUG[vis], vis);
    }
    for (const who of WHO) {
      if (who === 'anonymous') continue;
      web.set(who, await sessionOf(USERNAMES[who]));
      if (who !== 'disabled') mcp.set(who, await connectMcp(`${h.url}/mcp`, { token: tokens.get(who) }));
    }
    const visitor = new WebClient(h);
    await visitor.get('/-/signin');
    web.set('anonymous', visitor);
    // Now the lapse and the disabling: the disabled editor's browser keeps its (dead) session cookie and, like any
    // browser, picks up a visitor's CSRF token on the next page it loads.
    await uc.setUserTier(h.services, LAPSED, 'lapsed');
    await uc.setUserDisabled(h.services, USERNAMES.disabled, true);
    await web.get('disabled')!.get('/-/signin');
  });

  after(async () => {
    for (const client of mcp.values()) await client.close();
    git.close();
    await h.close();
    printMatrix(observed);
  });

  /** The wiki a cell acts on: its own fresh wiki for deletion, else the shared one of its visibility. */
  async function targetOf(cell: Cell): Promise<Target> {
    const owner = cell.who === 'lapsed' ? LAPSED : OWNER;
    if (cell.act !== 'delete') return { owner, slug: SLUG[cell.vis] };
    wikiCounter += 1;
    return makeWiki(owner, `del-${wikiCounter}`, cell.vis, false);
  }

  // ---- The doors ----

  const pageName = (cell: Cell) => `Cell_${cell.id}`;
  const pageText = (cell: Cell) => `# Cell\n\nwritten by ${cell.id}\n`;
  const fileName = (cell: Cell) => `${cell.id}.txt`;
  const fileText = (cell: Cell) => `uploaded by ${cell.id}\n`;
  const newName = (cell: Cell) => `Renamed by ${cell.id}`;
  const invitee = (cell: Cell) => `inv-${cell.id.replace(/_/g, '-')}@example.test`;

  /** Two probes of one action (settings and collaborators) must agree; the first answer stands for both. */
  const both = (a: Result, b: Result): Result =>
    a.ok === b.ok && (a.ok || (!b.ok && a.status === b.status)) ? a : { ok: false, status: -1, detail: `the two probes disagree: ${JSON.stringify(a)} / ${JSON.stringify(b)}` };

  async function viaRest(cell: Cell, t: Target): Promise<Result> {
    const token = tokens.get(cell.who);
    const call = async (method: string, path: string, body?: unknown): Promise<Result> => {
      const res = await h.request(method, path, { token, body });
      return res.status >= 200 && res.status < 300 ? { ok: true, body: res.text } : { ok: false, status: res.status, detail: res.text };
    };
    const w = `/api/v1/wikis/${t.owner}/${t.slug}`;
    switch (cell.act) {
      case 'read':
        return call('GET', `${w}/pages/Seed`);
      case 'write':
        return call('PUT', `${w}/pages/${pageName(cell)}`, { content: pageText(cell) });
      case 'upload':
        return call('POST', `${w}/pages/Seed/attachments`, { filename: fileName(cell), content_base64: Buffer.from(fileText(cell)).toString('base64') });
      case 'manage':
        return both(await call('PATCH', w, { name: newName(cell) }), await call('POST', `${w}/collaborators`, { user: invitee(cell), role: 'viewer' }));
      case 'delete':
        return call('DELETE', w, { confirm: `${t.owner}/${t.slug}` });
    }
  }

  async function viaWeb(cell: Cell, t: Target): Promise<Result> {
    const client = web.get(cell.who)!;
    const w = `/${t.owner}/${t.slug}`;
    const answer = (res: { status: number; text: string; location: string | null }, success: number): Result => {
      // A visitor sent to sign in was asked for credentials.
      if (res.status === 303 && (res.location ?? '').startsWith('/-/signin')) return { ok: false, status: 401, detail: `redirect to ${res.location}` };
      return res.status === success ? { ok: true, body: res.text } : { ok: false, status: res.status, detail: res.text.slice(0, 300) };
    };
    switch (cell.act) {
      case 'read':
        return answer(await client.get(`${w}/Seed`), 200);
      case 'write':
        return answer(await client.post(`${w}/-/edit/${pageName(cell)}`, { content: pageText(cell), message: 'policy matrix' }), 303);
      case 'upload':
        return answer(await client.request('POST', `${w}/-/upload/Seed?filename=${fileName(cell)}`, Buffer.from(fileText(cell)), { 'x-csrf-token': client.csrf }), 201);
      case 'manage':
        return both(
          answer(await client.post(`/-/wikis${w}`, { op: 'settings', name: newName(cell) }), 303),
          answer(await client.post(`/-/wikis${w}`, { op: 'add', user: invitee(cell), role: 'viewer' }), 303),
        );
      case 'delete':
        return answer(await client.post(`/-/wikis${w}`, { op: 'delete', confirm: `${t.owner}/${t.slug}` }), 303);
    }
  }

  async function viaMcp(cell: Cell, t: Target): Promise<Result> {
    const client = mcp.get(cell.who);
    if (!client) {
      // No usable credentials: the SDK's client cannot even connect; the status is what the endpoint answered.
      await assert.rejects(connectMcp(`${h.url}/mcp`, { token: tokens.get(cell.who) }));
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const token = tokens.get(cell.who);
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'matrix', version: '1' } } };
      const res = await fetch(`${h.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(initialize) });
      return { ok: false, status: res.status, detail: await res.text() };
    }
    const wiki = `${t.owner}/${t.slug}`;
    const answer =
      cell.act === 'read'
        ? await client.call('read_note', { wiki, path: 'Seed' })
        : cell.act === 'write'
          ? await client.call('write_note', { wiki, path: pageName(cell), content: pageText(cell) })
          : await client.call('upload_attachment', { wiki, path: 'Seed', filename: fileName(cell), content_base64: Buffer.from(fileText(cell)).toString('base64') });
    if (!answer.isError) return { ok: true, body: answer.text };
    const code = /\[([A-Z_]+)\]$/.exec(answer.text)?.[1];
    const status = code === 'FORBIDDEN' ? 403 : code === 'WIKI_NOT_FOUND' ? 404 : code === 'UNAUTHORIZED' ? 401 : 500;
    return { ok: false, status, detail: answer.text };
  }

  /** What git's output says the server answered. */
  const gitStatus = (stderr: string): number =>
    /could not read Username|Authentication failed/.test(stderr)
      ? 401
      : /remote error: permission denied|\[remote rejected\]/.test(stderr)
        ? 403
        : /repository '[^']*' not found/.test(stderr)
          ? 404
          : 500;

  /**
   * A working copy per wiki whose object store borrows the server's (git alternates): each push starts from the wiki's
   * current head without a fetch, and sends only the cell's own commit.
   */
  async function workDir(t: Target): Promise<string> {
    const key = `${t.owner}/${t.slug}`;
    let dir = workDirs.get(key);
    if (!dir) {
      dir = join(git.dir, `work-${t.owner}-${t.slug}`);
      await git.ok(['init', '-q', dir]);
      writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), `${join(repoDir(t), 'objects')}\n`);
      workDirs.set(key, dir);
    }
    await git.ok(['reset', '-q', '--hard', (await headOf(t))!], { cwd: dir });
    return dir;
  }
  const workDirs = new Map<string, string>();

  async function viaGit(cell: Cell, t: Target): Promise<Result> {
    const url = remoteUrl(h.url, t.owner, t.slug, tokens.get(cell.who));
    const outcome = (r: { code: number | null; stderr: string }, body: () => string): Result =>
      r.code === 0 ? { ok: true, body: body() } : { ok: false, status: gitStatus(r.stderr), detail: r.stderr };
    if (cell.act === 'read') {
      const dest = join(git.dir, `clone-${cell.id}`);
      const r = await git.run(['clone', '-q', url, dest]);
      return outcome(r, () => readFileSync(join(dest, 'Seed.md'), 'utf8'));
    }
    // A wiki that does not exist has no head to build on: the commit is made on a real wiki's head instead.
    const dir = await workDir((await headOf(t)) ? t : { owner: OWNER, slug: SLUG.private });
    if (cell.act === 'write') writeFileSync(join(dir, `${pageName(cell)}.md`), pageText(cell));
    else {
      mkdirSync(join(dir, 'Seed'), { recursive: true });
      writeFileSync(join(dir, 'Seed', fileName(cell)), fileText(cell));
    }
    await git.ok(['add', '-A'], { cwd: dir });
    await git.ok(['commit', '-q', '-m', `policy matrix ${cell.id}`], { cwd: dir });
    return outcome(await git.run(['push', '-q', url, 'HEAD:main'], { cwd: dir }), () => '');
  }

  const DOOR_RUN: Record<DoorName, (cell: Cell, t: Target) => Promise<Result>> = { rest: viaRest, web: viaWeb, mcp: viaMcp, git: viaGit };

  // ---- Effects ----

  /** Asserts the effect of an allowed action is there. */
  async function assertDone(cell: Cell, t: Target, result: { body: string }): Promise<void> {
    switch (cell.act) {
      case 'read':
        assert.ok(result.body.includes(marker(t)), `the page read lacks the seed's text: ${result.body.slice(0, 300)}`);
        return;
      case 'write':
        assert.equal(await fileAt(t, `${pageName(cell)}.md`), pageText(cell));
        return;
      case 'upload':
        assert.equal(await fileAt(t, `Seed/${fileName(cell)}`), fileText(cell));
        return;
      case 'manage': {
        assert.equal((await h.services.meta.getWiki(t.owner, t.slug))?.name, newName(cell));
        const collab = await uc.listCollaborators(h.services, cliActor(null), t);
        assert.ok(collab.collaborators.some((c) => c.email === invitee(cell) && c.status === 'invited'), 'the invitation is missing');
        return;
      }
      case 'delete':
        assert.equal(await h.services.meta.getWiki(t.owner, t.slug), null, 'the wiki is still listed');
        assert.equal(existsSync(repoDir(t)), false, 'the repository is still on disk');
        return;
    }
  }

  /** Asserts a refused action left no trace: the same head, settings, collaborators, and not the cell's own change. */
  async function assertNothingChanged(cell: Cell, t: Target, before: Snapshot): Promise<void> {
    assert.deepEqual(await snapshot(t), before, 'the wiki changed');
    assert.equal(await fileAt(t, `${pageName(cell)}.md`), null);
    assert.equal(await fileAt(t, `Seed/${fileName(cell)}`), null);
  }

  // ---- The matrix ----

  for (const vis of VIS) {
    for (const who of WHO) {
      for (const act of ACTS) {
        for (const door of DOORS) {
          const want = expected(who, act, vis, door);
          const cell: Cell = { who, act, door, vis, id: `${who}_${act}_${door}_${vis}` };
          const key = `${who} × ${act} × ${door} × ${vis}`;
          if (want === null) {
            observed.set(key, 'n/a');
            continue;
          }
          void it(`${key} → ${label(want)}`, async () => {
            const t = await targetOf(cell);
            const before = await snapshot(t);
            const got = await DOOR_RUN[door](cell, t);
            observed.set(key, got.ok ? 'allowed' : got.status === 404 ? 'hidden(404)' : `denied(${got.status})`);
            if (want.kind === 'allowed') {
              assert.ok(got.ok, `expected success, got ${got.ok ? '' : `${got.status}: ${got.detail.slice(0, 400)}`}`);
              await assertDone(cell, t, got);
              return;
            }
            assert.ok(!got.ok, `expected ${label(want)}, but the ${door} door let it through`);
            assert.equal(got.status, want.kind === 'hidden' ? 404 : want.status, got.detail.slice(0, 400));
            await assertNothingChanged(cell, t, before);
            if (vis === 'private' && (want.kind === 'hidden' || want.status === 401)) {
              // Refused without a word about the wiki: exactly what the same request gets for a wiki that does not exist.
              const missing = { owner: t.owner, slug: 'no-such-wiki' };
              const other = await DOOR_RUN[door](cell, missing);
              assert.ok(!other.ok);
              assert.equal(other.status, got.status);
              assert.equal(anonymize(other.detail, missing), anonymize(got.detail, t));
            }
          });
        }
      }
    }
  }
});

/** An answer with the wiki's name taken out (and request ids, which differ per request). */
function anonymize(detail: string, t: Target): string {
  return detail.split(`${t.owner}/${t.slug}`).join('<wiki>').replace(/req-[\w-]+/g, '<request>');
}

/** Prints the observed matrix: one row per actor and visibility, one column per action and door. */
function printMatrix(observed: Map<string, string>): void {
  const short = (s: string | undefined) => (s === undefined ? '?' : s === 'allowed' ? 'ok' : s === 'n/a' ? '·' : s.replace(/^denied\((\d+)\)$/, '$1').replace('hidden(404)', '404'));
  const header = ['actor / wiki'.padEnd(20), ...ACTS.map((a) => `${a} (${DOORS.join('/')})`.padEnd(26))].join(' ');
  const lines = [header];
  for (const vis of VIS) {
    for (const who of WHO) {
      const cells = ACTS.map((act) => DOORS.map((door) => short(observed.get(`${who} × ${act} × ${door} × ${vis}`)).padStart(3)).join(' ').padEnd(26));
      lines.push([`${who} ${vis}`.padEnd(20), ...cells].join(' '));
    }
  }
  console.log(`policy matrix (ok = allowed, · = the door has no such action, else the status):\n${lines.join('\n')}`);
}
