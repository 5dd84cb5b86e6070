/**
 * The push use case without the transport: `beginPush` decides who may push, `PushSession.check` refuses a push
 * whose base is no longer main's head, and between a successful check and `finish` in-process writes wait, so the
 * ref update that follows a check can never race them; `finish` catches the index up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anonymous } from '../src/auth/actor.js';
import { isWikiError } from '../src/errors.js';
import * as uc from '../src/usecases/index.js';
import { makeGitTenant } from './git-http-support.js';
import { git, startServer, uniqueName } from './harness.js';

void test('a push session: who may push, "fetch first" when main moved, writes wait for the ref update', async () => {
  const h = await startServer();
  try {
    const s = h.services;
    const t = await makeGitTenant(s, uniqueName('session'));
    const actor = await uc.authenticateToken(s, t.writeToken, 'git');
    await assert.rejects(uc.beginPush(s, anonymous('git'), { owner: t.owner, slug: t.slug }), (e) => isWikiError(e, 'WIKI_NOT_FOUND'));
    const reader = await uc.authenticateToken(s, t.readToken, 'git');
    await assert.rejects(uc.beginPush(s, reader, { owner: t.owner, slug: t.slug }), (e) => isWikiError(e, 'FORBIDDEN'));

    const repo = s.repos.open(t.owner, t.slug);
    const objects: uc.PushedObjects = {
      listFiles: (commit) => repo.listFiles(commit),
      isAncestor: (a, b) => repo.isAncestor(a, b),
      readBlob: (oid) => repo.readBlob(oid),
    };
    const base = repo.head()!;
    // A commit prepared outside the wiki's write path (as receive-pack would store it), not yet on main.
    const tree = git(repo.dir, 'rev-parse', `${base}^{tree}`);
    const pushed = git(repo.dir, 'commit-tree', tree, '-p', base, '-m', 'pushed');

    // main moves (a REST write) after the client fetched `base`: the push is refused with "fetch first".
    const ref = { owner: t.owner, slug: t.slug };
    const stale = await uc.beginPush(s, actor, ref);
    const writer = uc.authenticateToken(s, t.writeToken, 'rest');
    await uc.writePage(s, await writer, { ...ref, path: 'Moved', content: 'moved\n' });
    await assert.rejects(stale.check([{ ref: uc.MAIN_REF, oldOid: base, newOid: pushed }], objects), (e) => {
      assert.ok(isWikiError(e, 'REVISION_CONFLICT'));
      assert.match(e.message, /main moved since you fetched .*fetch first/);
      return true;
    });
    await stale.finish();

    // Accepted: until finish, a REST write waits; it lands after the ref update, on top of it.
    const head = repo.head()!;
    const next = git(repo.dir, 'commit-tree', git(repo.dir, 'rev-parse', `${head}^{tree}`), '-p', head, '-m', 'pushed 2');
    const session = await uc.beginPush(s, actor, ref);
    await session.check([{ ref: uc.MAIN_REF, oldOid: head, newOid: next }], objects);
    let written = false;
    const racing = uc.writePage(s, await writer, { ...ref, path: 'Racing', content: 'racing\n' }).then((r) => {
      written = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(written, false, 'a write landed between the check and the ref update');
    git(repo.dir, 'update-ref', 'refs/heads/main', next, head);
    await session.finish();
    await racing;
    assert.equal(git(repo.dir, 'rev-parse', 'main~1'), next);
    const changes = await uc.recentChanges(s, actor, { ...ref, limit: 5 });
    assert.ok(JSON.stringify(changes).includes('pushed 2'));
  } finally {
    await h.close();
  }
});
