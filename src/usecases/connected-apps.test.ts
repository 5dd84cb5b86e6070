import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliActor } from '../auth/actor.js';
import { findWikiSelection } from '../auth/oauth/grants.js';
import { loadConfig } from '../config.js';
import { isWikiError } from '../errors.js';
import type { TokenScope } from '../meta/meta-store.js';
import {
  addCollaborator,
  closeServices,
  consentOffer,
  createUser,
  createWiki,
  forgetGrant,
  openServices,
  recordConsent,
  setUserDisabled,
  setUserTier,
  updateWikiSettings,
  type Services,
} from './index.js';

const ISSUER = 'https://wiki.example.org';

interface Fixture {
  services: Services;
  aliceId: string;
  /** The grants `saveGrant` was asked for, in order. */
  saved: Array<{ accountId: string; scope: TokenScope }>;
  saveGrant: (grant: { accountId: string; scope: TokenScope }) => Promise<string>;
  /** Every wiki selection stored for alice. */
  selections: () => Promise<number>;
}

/** Alice owns alice/notes and views bob/shared; bob/private and the public bob/open are not hers. */
async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wikibot-consent-'));
  const services = await openServices(loadConfig({ data: dir }, {}));
  try {
    const admin = cliActor(null);
    // The first account is a site admin (who may read every wiki); alice and bob are ordinary users.
    await createUser(services, { username: 'root', email: 'root@example.org', password: null });
    const alice = await createUser(services, { username: 'alice', email: 'alice@example.org', password: null });
    await createUser(services, { username: 'bob', email: 'bob@example.org', password: null });
    await setUserTier(services, 'bob', 'premium');
    await createWiki(services, admin, { owner: 'alice', slug: 'notes' });
    for (const slug of ['shared', 'private', 'open']) await createWiki(services, admin, { owner: 'bob', slug });
    await addCollaborator(services, admin, { owner: 'bob', slug: 'shared' }, { user: 'alice', role: 'viewer' });
    await updateWikiSettings(services, admin, { owner: 'bob', slug: 'open' }, { visibility: 'public' });
    const saved: Fixture['saved'] = [];
    const saveGrant: Fixture['saveGrant'] = (grant) => {
      saved.push(grant);
      return Promise.resolve(`grant-${saved.length}`);
    };
    const selections = async () => (await services.meta.listOAuthRecords('WikiSelection', String(alice.id))).length;
    await fn({ services, aliceId: String(alice.id), saved, saveGrant, selections });
  } finally {
    await closeServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rootConsent = (accountId: string) => ({ accountId, issuer: ISSUER, resource: `${ISSUER}/mcp`, clientId: 'client-1' });

void test('consentOffer lists the wikis the user has a role on; one wiki for its own endpoint; nothing for an unknown account', async () => {
  await withFixture(async ({ services, aliceId }) => {
    const offer = await consentOffer(services, rootConsent(aliceId));
    assert.deepEqual(
      offer?.wikis.map((w) => [w.id, w.canWrite]),
      [
        ['alice/notes', true],
        ['bob/shared', false],
      ],
    );
    const one = await consentOffer(services, { ...rootConsent(aliceId), resource: `${ISSUER}/bob/shared/mcp` });
    assert.deepEqual(one?.wikis.map((w) => w.id), ['bob/shared']);
    assert.equal(await consentOffer(services, rootConsent('999')), null);
    assert.equal(await consentOffer(services, rootConsent('not a number')), null);
    assert.equal(await consentOffer(services, { ...rootConsent(aliceId), accountId: undefined }), null);
  });
});

void test('recordConsent refuses a wiki the user has no role on, and stores nothing', async () => {
  await withFixture(async ({ services, aliceId, saved, saveGrant, selections }) => {
    for (const wikis of [['bob/private'], ['bob/open'], ['alice/notes', 'bob/private'], ['nobody/nowhere']]) {
      await assert.rejects(
        recordConsent(services, rootConsent(aliceId), { wikis, access: 'read' }, saveGrant),
        (e) => isWikiError(e, 'INVALID_INPUT') && e.message === 'Choose among the wikis listed.',
        wikis.join(','),
      );
    }
    assert.deepEqual(saved, []);
    assert.equal(await selections(), 0);
  });
});

void test('recordConsent refuses an empty choice, a bad access, another wiki than the endpoint\'s, or a disabled account, storing nothing', async () => {
  await withFixture(async ({ services, aliceId, saved, saveGrant, selections }) => {
    const refusals: Array<[Parameters<typeof recordConsent>[1], { wikis: string[]; access: string | null }, string, RegExp]> = [
      [rootConsent(aliceId), { wikis: [], access: 'read' }, 'INVALID_INPUT', /^Choose at least one wiki\.$/],
      [rootConsent(aliceId), { wikis: ['alice/notes'], access: null }, 'INVALID_INPUT', /^Choose read only, or read and write\.$/],
      [rootConsent(aliceId), { wikis: ['alice/notes'], access: 'admin' }, 'INVALID_INPUT', /^Choose read only, or read and write\.$/],
      [{ ...rootConsent(aliceId), resource: `${ISSUER}/bob/shared/mcp` }, { wikis: ['alice/notes'], access: 'read' }, 'INVALID_INPUT', /^Choose among/],
      [rootConsent('424242'), { wikis: ['alice/notes'], access: 'read' }, 'UNAUTHORIZED', /disabled/],
    ];
    for (const [request, choice, code, message] of refusals) {
      await assert.rejects(recordConsent(services, request, choice, saveGrant), (e) => isWikiError(e) && e.code === code && message.test(e.message));
    }
    await setUserDisabled(services, 'alice', true);
    await assert.rejects(recordConsent(services, rootConsent(aliceId), { wikis: ['alice/notes'], access: 'read' }, saveGrant), (e) => isWikiError(e, 'UNAUTHORIZED'));
    assert.deepEqual(saved, []);
    assert.equal(await selections(), 0);
  });
});

void test('recordConsent saves the grant with the chosen scope for the account, then the wikis it reaches', async () => {
  await withFixture(async ({ services, aliceId, saved, saveGrant }) => {
    // Write on a wiki where alice is a viewer is allowed here: her role still bounds every call.
    const recorded = await recordConsent(services, rootConsent(aliceId), { wikis: ['bob/shared', 'alice/notes'], access: 'write' }, saveGrant);
    assert.deepEqual(saved, [{ accountId: aliceId, scope: 'write' }]);
    assert.equal(recorded.grantId, 'grant-1');
    assert.equal(recorded.scope, 'write');
    assert.deepEqual(recorded.wikis, ['alice/notes', 'bob/shared']);
    const ids = await Promise.all(['alice/notes', 'bob/shared'].map(async (id) => (await services.meta.getWiki(...(id.split('/') as [string, string])))!.id));
    assert.deepEqual(await findWikiSelection(services.meta, 'grant-1'), { wikiIds: ids });
    const record = await services.meta.findOAuthRecord('WikiSelection', 'grant-1');
    assert.equal(record?.clientId, 'client-1');
    assert.equal(record?.accountId, aliceId);
  });
});

void test('forgetGrant ends a grant only for the client its token was issued to', async () => {
  await withFixture(async ({ services, aliceId }) => {
    const grant = { kind: 'Grant', id: 'g1', payload: '{}', grantId: 'g1', uid: null, accountId: aliceId, clientId: 'client-1', expiresAt: null };
    await services.meta.saveOAuthRecord(grant);
    assert.equal(await forgetGrant(services, { grantId: 'g1', clientId: 'client-1' }, 'client-2'), false);
    assert.notEqual(await services.meta.findOAuthRecord('Grant', 'g1'), null);
    assert.equal(await forgetGrant(services, { grantId: 'g1', clientId: 'client-1' }, 'client-1'), true);
    assert.equal(await services.meta.findOAuthRecord('Grant', 'g1'), null);
    assert.equal(await forgetGrant(services, { grantId: 'g1', clientId: 'client-1' }, 'client-1'), false);
  });
});
