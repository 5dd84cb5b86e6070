/**
 * Wikis from a template repository: cloned shallow over HTTP from a server on 127.0.0.1 (allowed by these options),
 * markers filled in, history dropped; refused for loopback without permission, non-https schemes, local paths unless
 * allowed, files outside the wiki layout, oversized templates and free owners — each refusal creating nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliActor } from '../src/auth/actor.js';
import { isWikiError } from '../src/errors.js';
import { createWikiFromTemplate, isPrivateAddress } from '../src/usecases/git-template.js';
import * as uc from '../src/usecases/index.js';
import { gitClient, makeGitTenant, type GitClient } from './git-http-support.js';
import { startServer, uniqueName, type TestServer } from './harness.js';

void describe('wikis from a git template', () => {
  let h: TestServer;
  let client: GitClient;
  let templateUrl: string;
  before(async () => {
    h = await startServer();
    client = gitClient();
    // The template: a public wiki on this same server, reached over smart HTTP on 127.0.0.1.
    const tpl = await makeGitTenant(h.services, uniqueName('tpl'), { visibility: 'public' });
    const put = (path: string, content: string) =>
      h.request('PUT', `/api/v1/wikis/${tpl.owner}/${tpl.slug}/pages/${path}`, { token: tpl.writeToken, body: { content } });
    await put('Guide/Start', '# Welcome to {{wiki_name}}\n\nPurpose: {{ wiki_purpose }}. Lives at {{owner}}/{{slug}}.\n');
    templateUrl = `${h.url}/${tpl.owner}/${tpl.slug}.git`;
  });
  after(async () => {
    client.close();
    await h.close();
  });

  const premium = async (prefix: string) => {
    const username = uniqueName(prefix);
    await h.services.meta.createUser({ username, email: `${username}@example.test`, passwordHash: null, tier: 'premium' });
    return username;
  };
  const nothingCreated = async (owner: string, slug: string) => {
    assert.equal(await h.services.meta.getWiki(owner, slug), null);
    assert.equal(h.services.repos.exists(owner, slug), false);
  };
  const local = { allowPrivateAddresses: true, allowHttp: true };

  void it('clones the template over HTTP, fills in its markers and keeps none of its history', async () => {
    const owner = await premium('from-tpl');
    await createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'study', name: 'Drought Study', purpose: 'track the drought', template: templateUrl }, local);
    const actor = cliActor(await h.services.meta.getUserByUsername(owner));
    const page = await uc.readPage(h.services, actor, { owner, slug: 'study', path: 'Guide/Start' });
    assert.equal(page.content, '# Welcome to Drought Study\n\nPurpose: track the drought. Lives at ' + owner + '/study.\n');
    const repoDir = join(h.dataDir, 'repos', owner, 'study.git');
    const messages = (await client.ok(['log', '--format=%s', 'main'], { cwd: repoDir })).split('\n');
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(messages[0]!, /^Create wiki from template: /);
    const search = await uc.searchWiki(h.services, actor, { owner, slug: 'study', query: 'drought' });
    assert.ok(search.some((hit) => hit.path === 'Guide/Start'));
  });

  void it('refuses loopback addresses, plain http and other schemes unless allowed, creating nothing', async () => {
    const owner = await premium('ssrf');
    const input = { owner, slug: 'blocked', template: templateUrl };
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), input, { allowHttp: true }), (e) => {
      assert.ok(isWikiError(e, 'INVALID_INPUT'));
      assert.match(e.message, /resolves to a loopback, private or link-local address \(127\.0\.0\.1\)/);
      return true;
    });
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), input, { allowPrivateAddresses: true }), /only https URLs are allowed/);
    for (const template of ['ext::sh -c touch% /tmp/pwned', 'file:///etc', 'ftp://example.com/x.git', 'https://user:pw@example.com/x.git', '']) {
      await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), { ...input, template }, local), (e) => isWikiError(e, 'INVALID_INPUT'), template);
    }
    await nothingCreated(owner, 'blocked');
  });

  void it('takes a local path only when allowed, skips hidden files, and refuses files the wiki cannot show', async () => {
    const owner = await premium('localtpl');
    const src = join(client.dir, 'local-template');
    mkdirSync(src);
    await client.ok(['init', '-q', src]);
    writeFileSync(join(src, 'Home.md'), '# {{wiki_name}}\n');
    writeFileSync(join(src, '.gitignore'), '*.tmp\n');
    await client.ok(['add', '-A'], { cwd: src });
    await client.ok(['commit', '-q', '-m', 'template'], { cwd: src });
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'local', template: src }, {}), /local paths are not allowed/);
    await nothingCreated(owner, 'local');
    // Another wiki's repository is never a template, even with local paths allowed.
    const otherRepo = join(h.dataDir, 'repos', owner.replace(/.$/, ''), '..', 'x.git');
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'local', template: otherRepo }, { allowLocalPaths: true }), /inside the server's data directory/);
    await nothingCreated(owner, 'local');
    await createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'local', name: 'Local', template: src }, { allowLocalPaths: true });
    const files = await client.ok(['ls-tree', '-r', '--name-only', 'main'], { cwd: join(h.dataDir, 'repos', owner, 'local.git') });
    assert.deepEqual(files.split('\n'), ['Home.md']);

    writeFileSync(join(src, 'LICENSE'), 'MIT\n');
    await client.ok(['add', '-A'], { cwd: src });
    await client.ok(['commit', '-q', '-m', 'license'], { cwd: src });
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'licensed', template: src }, { allowLocalPaths: true }), (e) => {
      assert.ok(isWikiError(e, 'INVALID_PATH'));
      assert.match(e.message, /"LICENSE" is outside the wiki's layout/);
      return true;
    });
    await nothingCreated(owner, 'licensed');
  });

  void it('refuses oversized templates and owners without premium', async () => {
    const owner = await premium('bigtpl');
    const src = join(client.dir, 'big-template');
    mkdirSync(join(src, 'Home'), { recursive: true });
    await client.ok(['init', '-q', src]);
    writeFileSync(join(src, 'Home.md'), '# Home\n');
    writeFileSync(join(src, 'Home', 'noise.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
    await client.ok(['add', '-A'], { cwd: src });
    await client.ok(['commit', '-q', '-m', 'big'], { cwd: src });
    await assert.rejects(
      createWikiFromTemplate(h.services, cliActor(null), { owner, slug: 'big', template: src }, { allowLocalPaths: true, maxBytes: 100_000 }),
      (e) => isWikiError(e, 'PAYLOAD_TOO_LARGE'),
    );
    await nothingCreated(owner, 'big');
    const free = uniqueName('freetpl');
    await h.services.meta.createUser({ username: free, email: `${free}@example.test`, passwordHash: null });
    await assert.rejects(createWikiFromTemplate(h.services, cliActor(null), { owner: free, slug: 'tpl', template: templateUrl }, local), /needs a premium plan/);
    await nothingCreated(free, 'tpl');
  });

  void it('classifies addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0', 'nonsense']) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  });
});
