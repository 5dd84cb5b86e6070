/**
 * The behaviour every MetaStore must have, as one test suite run against each implementation (SQLite now,
 * PostgreSQL later). Each test opens its own empty store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWikiError, type ErrorCode } from '../errors.js';
import type { OAuthKey, OAuthRecord } from './meta-store.js';
import type { MetaStore, NewUser, User, Wiki } from './meta-store.js';

export interface OpenedStore {
  store: MetaStore;
  /** Closes the store and removes whatever it created. */
  cleanup: () => Promise<void>;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isWikiError(err, code), `expected WikiError ${code}, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

function hashOf(n: number): string {
  return n.toString(16).padStart(64, '0');
}

/** Registers the contract tests; `open` gives a fresh, empty store each time. */
export function metaStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  async function withStore(fn: (store: MetaStore) => Promise<void>): Promise<void> {
    const opened = await open();
    try {
      await fn(opened.store);
    } finally {
      await opened.cleanup();
    }
  }

  function user(store: MetaStore, username: string, extra: Partial<NewUser> = {}): Promise<User> {
    return store.createUser({ username, email: `${username}@example.org`, passwordHash: null, ...extra });
  }

  function wiki(store: MetaStore, ownerId: number, slug: string): Promise<Wiki> {
    return store.createWiki({
      ownerId,
      slug,
      name: `Wiki ${slug}`,
      purpose: 'testing',
      categories: ['actor', 'event'],
    });
  }

  void describe(`MetaStore contract: ${name}`, () => {
    void describe('users', () => {
      void it('creates a user with defaults and finds it by id, username and email', () =>
        withStore(async (store) => {
          const before = Date.now();
          const alice = await store.createUser({ username: 'alice', email: 'Alice@Example.org', passwordHash: 'h' });
          assert.deepEqual(
            { ...alice, createdAt: '' },
            {
              id: alice.id,
              username: 'alice',
              email: 'Alice@Example.org',
              name: null,
              passwordHash: 'h',
              isAdmin: false,
              tier: 'free',
              disabled: false,
              createdAt: '',
              emailVerifiedAt: null,
            },
          );
          assert.ok(Date.parse(alice.createdAt) >= before - 1000 && alice.createdAt.endsWith('Z'));
          assert.deepEqual(await store.getUserById(alice.id), alice);
          assert.deepEqual(await store.getUserByUsername('alice'), alice);
          assert.deepEqual(await store.getUserByUsername('ALICE'), alice);
          assert.deepEqual(await store.getUserByEmail('alice@example.org'), alice);
          assert.deepEqual(await store.getUserByEmail('ALICE@EXAMPLE.ORG'), alice);
          assert.equal(await store.countUsers(), 1);
        }));

      void it('keeps name, admin flag and tier', () =>
        withStore(async (store) => {
          const root = await user(store, 'root', { name: 'The Operator', isAdmin: true, tier: 'premium' });
          const found = await store.getUserById(root.id);
          assert.equal(found?.name, 'The Operator');
          assert.equal(found?.isAdmin, true);
          assert.equal(found?.tier, 'premium');
        }));

      void it('returns null for unknown users', () =>
        withStore(async (store) => {
          await user(store, 'alice');
          assert.equal(await store.getUserById(999), null);
          assert.equal(await store.getUserByUsername('bob'), null);
          assert.equal(await store.getUserByEmail('bob@example.org'), null);
        }));

      void it('counts users', () =>
        withStore(async (store) => {
          assert.equal(await store.countUsers(), 0);
          await user(store, 'alice');
          await user(store, 'bob');
          assert.equal(await store.countUsers(), 2);
        }));

      void it('refuses a taken username in any case, changing nothing', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          await rejectsWith(
            store.createUser({ username: 'ALICE', email: 'other@example.org', passwordHash: null }),
            'USER_EXISTS',
            /username "alice" is already taken/,
          );
          assert.equal(await store.countUsers(), 1);
          assert.equal(await store.getUserByEmail('other@example.org'), null);
          assert.deepEqual(await store.getUserByUsername('alice'), alice);
        }));

      void it('refuses a taken email in any case, changing nothing', () =>
        withStore(async (store) => {
          await user(store, 'alice');
          await rejectsWith(
            store.createUser({ username: 'bob', email: 'ALICE@example.ORG', passwordHash: null }),
            'USER_EXISTS',
            /email "ALICE@example\.ORG" already exists/,
          );
          assert.equal(await store.countUsers(), 1);
          assert.equal(await store.getUserByUsername('bob'), null);
        }));

      void it('deleting a user removes their wikis, grants and tokens, and nobody else’s', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const aliceWiki = await wiki(store, alice.id, 'notes');
          const bobWiki = await wiki(store, bob.id, 'notes');
          await store.setRole(bobWiki.id, alice.id, 'editor');
          await store.setRole(aliceWiki.id, bob.id, 'viewer');
          const base = { scope: 'read', expiresAt: null } as const;
          await store.createToken({ ...base, userId: alice.id, name: 'a', hash: hashOf(1), wikiId: null });
          const bobsToken = await store.createToken({
            ...base,
            userId: bob.id,
            name: 'b',
            hash: hashOf(2),
            wikiId: bobWiki.id,
          });
          // Bob's token scoped to Alice's wiki must go with the wiki.
          await store.createToken({ ...base, userId: bob.id, name: 'c', hash: hashOf(3), wikiId: aliceWiki.id });

          await store.deleteUser(alice.id);

          assert.equal(await store.getUserById(alice.id), null);
          assert.equal(await store.getWikiById(aliceWiki.id), null);
          assert.deepEqual(await store.listWikisOwnedBy(alice.id), []);
          assert.deepEqual(await store.listGrants(bobWiki.id), []);
          assert.equal(await store.findTokenByHash(hashOf(1)), null);
          assert.equal(await store.findTokenByHash(hashOf(3)), null);
          assert.deepEqual(await store.listTokens(alice.id), []);
          assert.deepEqual(await store.listTokens(bob.id), [bobsToken]);
          assert.deepEqual(await store.getWikiById(bobWiki.id), bobWiki);
          assert.equal(await store.countUsers(), 1);
          await store.deleteUser(alice.id); // a missing user: nothing happens
          assert.equal(await store.countUsers(), 1);
        }));
    });

    void describe('wikis', () => {
      void it('creates a wiki and finds it by address (any case) and id', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const created = await store.createWiki({
            ownerId: alice.id,
            slug: 'iran-watch',
            name: 'Iran Watch',
            purpose: 'Track the region',
            categories: ['actor', 'event', 'trend'],
          });
          assert.deepEqual(
            { ...created, createdAt: '' },
            {
              id: created.id,
              ownerId: alice.id,
              owner: 'alice',
              slug: 'iran-watch',
              name: 'Iran Watch',
              purpose: 'Track the region',
              visibility: 'private',
              categories: ['actor', 'event', 'trend'],
              createdAt: '',
              homePage: 'Home',
              commitMessages: 'optional',
              wikilinkOrder: 'page-text',
            },
          );
          assert.ok(created.createdAt.endsWith('Z'));
          assert.deepEqual(await store.getWiki('alice', 'iran-watch'), created);
          assert.deepEqual(await store.getWiki('Alice', 'Iran-Watch'), created);
          assert.deepEqual(await store.getWikiById(created.id), created);
        }));

      void it('keeps visibility and an empty category list', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const w = await store.createWiki({
            ownerId: alice.id,
            slug: 'open',
            name: 'Open',
            purpose: '',
            visibility: 'public',
            categories: [],
          });
          const found = await store.getWikiById(w.id);
          assert.equal(found?.visibility, 'public');
          assert.deepEqual(found?.categories, []);
        }));

      void it('returns null for unknown wikis', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          await wiki(store, alice.id, 'notes');
          assert.equal(await store.getWiki('alice', 'other'), null);
          assert.equal(await store.getWiki('bob', 'notes'), null);
          assert.equal(await store.getWikiById(999), null);
        }));

      void it('lets different owners use the same slug but refuses a duplicate, changing nothing', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const first = await wiki(store, alice.id, 'notes');
          await wiki(store, bob.id, 'notes');
          await rejectsWith(
            store.createWiki({ ownerId: alice.id, slug: 'notes', name: 'Other', purpose: 'x', categories: [] }),
            'WIKI_EXISTS',
            /"alice\/notes" already exists/,
          );
          assert.deepEqual(await store.listWikisOwnedBy(alice.id), [first]);
          assert.equal((await store.listWikis()).length, 2);
        }));

      void it('refuses a wiki for a missing owner, changing nothing', () =>
        withStore(async (store) => {
          await rejectsWith(
            store.createWiki({ ownerId: 42, slug: 'notes', name: 'N', purpose: '', categories: [] }),
            'USER_NOT_FOUND',
            /No user with id 42/,
          );
          assert.deepEqual(await store.listWikis(), []);
        }));

      void it('lists all wikis by owner then slug, and one owner’s by slug', () =>
        withStore(async (store) => {
          const bob = await user(store, 'bob');
          const alice = await user(store, 'alice');
          await wiki(store, bob.id, 'zeta');
          await wiki(store, alice.id, 'beta');
          await wiki(store, bob.id, 'alpha');
          const all = await store.listWikis();
          assert.deepEqual(
            all.map((w) => `${w.owner}/${w.slug}`),
            ['alice/beta', 'bob/alpha', 'bob/zeta'],
          );
          assert.deepEqual(
            (await store.listWikisOwnedBy(bob.id)).map((w) => w.slug),
            ['alpha', 'zeta'],
          );
          assert.deepEqual(await store.listWikisOwnedBy(999), []);
        }));

      void it('lists the wikis a user owns or holds a role on, with the role, by owner then slug', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const carol = await user(store, 'carol');
          const aliceNotes = await wiki(store, alice.id, 'notes');
          await wiki(store, alice.id, 'private');
          const bobOwn = await wiki(store, bob.id, 'bobs');
          const carolWiki = await wiki(store, carol.id, 'atlas');
          await store.setRole(aliceNotes.id, bob.id, 'editor');
          await store.setRole(carolWiki.id, bob.id, 'viewer');
          await store.setRole(carolWiki.id, alice.id, 'editor');
          const bobs = await store.listWikisForUser(bob.id);
          assert.deepEqual(
            bobs.map((m) => [`${m.wiki.owner}/${m.wiki.slug}`, m.role]),
            [
              ['alice/notes', 'editor'],
              ['bob/bobs', 'owner'],
              ['carol/atlas', 'viewer'],
            ],
          );
          assert.deepEqual(bobs[1]?.wiki, bobOwn);
          assert.deepEqual(
            (await store.listWikisForUser(alice.id)).map((m) => [`${m.wiki.owner}/${m.wiki.slug}`, m.role]),
            [
              ['alice/notes', 'owner'],
              ['alice/private', 'owner'],
              ['carol/atlas', 'editor'],
            ],
          );
          await store.removeRole(carolWiki.id, bob.id);
          assert.deepEqual(
            (await store.listWikisForUser(bob.id)).map((m) => m.wiki.slug),
            ['notes', 'bobs'],
          );
          assert.deepEqual(await store.listWikisForUser(999), []);
        }));

      void it('deleting a wiki removes its grants and the tokens scoped to it, nothing else', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const gone = await wiki(store, alice.id, 'gone');
          const kept = await wiki(store, alice.id, 'kept');
          await store.setRole(gone.id, bob.id, 'editor');
          await store.setRole(kept.id, bob.id, 'viewer');
          const base = { userId: bob.id, scope: 'write', expiresAt: null } as const;
          await store.createToken({ ...base, name: 'gone', hash: hashOf(1), wikiId: gone.id });
          const everywhere = await store.createToken({ ...base, name: 'all', hash: hashOf(2), wikiId: null });
          const scopedKept = await store.createToken({ ...base, name: 'kept', hash: hashOf(3), wikiId: kept.id });

          await store.deleteWiki(gone.id);

          assert.equal(await store.getWikiById(gone.id), null);
          assert.equal(await store.getWiki('alice', 'gone'), null);
          assert.equal(await store.getRole(gone.id, bob.id), null);
          assert.deepEqual(await store.listGrants(gone.id), []);
          assert.equal(await store.findTokenByHash(hashOf(1)), null);
          assert.deepEqual(await store.listTokens(bob.id), [everywhere, scopedKept]);
          assert.equal(await store.getRole(kept.id, bob.id), 'viewer');
          assert.equal(await store.countUsers(), 2);
          await store.deleteWiki(gone.id); // a missing wiki: nothing happens
          assert.equal((await store.listWikis()).length, 1);
        }));

      void it('a new wiki never gets the id of a deleted one', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const first = await wiki(store, alice.id, 'first');
          await store.deleteWiki(first.id);
          const second = await wiki(store, alice.id, 'second');
          assert.notEqual(second.id, first.id);
        }));
    });

    void describe('roles', () => {
      void it('grants, changes, lists and removes roles', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const carol = await user(store, 'carol');
          const w = await wiki(store, alice.id, 'notes');
          assert.equal(await store.getRole(w.id, bob.id), null);
          await store.setRole(w.id, carol.id, 'viewer');
          await store.setRole(w.id, bob.id, 'viewer');
          assert.equal(await store.getRole(w.id, bob.id), 'viewer');
          await store.setRole(w.id, bob.id, 'editor');
          assert.equal(await store.getRole(w.id, bob.id), 'editor');
          assert.deepEqual(await store.listGrants(w.id), [
            { wikiId: w.id, userId: bob.id, username: 'bob', role: 'editor' },
            { wikiId: w.id, userId: carol.id, username: 'carol', role: 'viewer' },
          ]);
          await store.removeRole(w.id, bob.id);
          assert.equal(await store.getRole(w.id, bob.id), null);
          assert.deepEqual(
            (await store.listGrants(w.id)).map((g) => g.username),
            ['carol'],
          );
          await store.removeRole(w.id, bob.id); // already gone: nothing happens
          assert.equal(await store.getRole(w.id, carol.id), 'viewer');
        }));

      void it('a role on one wiki gives nothing on another', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const one = await wiki(store, alice.id, 'one');
          const two = await wiki(store, alice.id, 'two');
          await store.setRole(one.id, bob.id, 'editor');
          assert.equal(await store.getRole(two.id, bob.id), null);
          assert.deepEqual(await store.listGrants(two.id), []);
        }));

      void it('refuses a role on a missing wiki or for a missing user, changing nothing', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const w = await wiki(store, alice.id, 'notes');
          await rejectsWith(store.setRole(999, alice.id, 'editor'), 'WIKI_NOT_FOUND', /No wiki with id 999/);
          await rejectsWith(store.setRole(w.id, 999, 'editor'), 'USER_NOT_FOUND', /No user with id 999/);
          assert.deepEqual(await store.listGrants(w.id), []);
        }));
    });

    void describe('tokens', () => {
      void it('creates a token and finds it by hash', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const w = await wiki(store, alice.id, 'notes');
          const token = await store.createToken({
            userId: alice.id,
            name: 'laptop',
            hash: hashOf(7),
            wikiId: w.id,
            scope: 'write',
            expiresAt: '2099-01-01T00:00:00.000Z',
          });
          assert.deepEqual(
            { ...token, createdAt: '' },
            {
              id: token.id,
              userId: alice.id,
              name: 'laptop',
              hash: hashOf(7),
              wikiId: w.id,
              scope: 'write',
              expiresAt: '2099-01-01T00:00:00.000Z',
              createdAt: '',
              lastUsedAt: null,
            },
          );
          assert.ok(token.createdAt.endsWith('Z'));
          assert.deepEqual(await store.findTokenByHash(hashOf(7)), token);
          assert.equal(await store.findTokenByHash(hashOf(8)), null);
        }));

      void it('finds an expired token too, so the caller can say it expired', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const base = { userId: alice.id, name: 'old', hash: hashOf(1), wikiId: null, scope: 'read' } as const;
          await store.createToken({ ...base, expiresAt: '2000-01-01T00:00:00.000Z' });
          assert.equal((await store.findTokenByHash(hashOf(1)))?.expiresAt, '2000-01-01T00:00:00.000Z');
        }));

      void it('records when a token was last used', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const base = { userId: alice.id, wikiId: null, scope: 'read', expiresAt: null } as const;
          const t = await store.createToken({ ...base, name: 't', hash: hashOf(1) });
          const other = await store.createToken({ ...base, name: 'o', hash: hashOf(2) });
          await store.touchToken(t.id, '2030-05-01T10:00:00.000Z');
          assert.equal((await store.findTokenByHash(hashOf(1)))?.lastUsedAt, '2030-05-01T10:00:00.000Z');
          assert.deepEqual(await store.findTokenByHash(hashOf(2)), other);
        }));

      void it('lists only the user’s own tokens, oldest first', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const base = { wikiId: null, scope: 'read', expiresAt: null } as const;
          const a1 = await store.createToken({ ...base, userId: alice.id, name: 'one', hash: hashOf(1) });
          await store.createToken({ ...base, userId: bob.id, name: 'bob', hash: hashOf(2) });
          const a2 = await store.createToken({ ...base, userId: alice.id, name: 'two', hash: hashOf(3) });
          assert.deepEqual(await store.listTokens(alice.id), [a1, a2]);
          assert.deepEqual(await store.listTokens(999), []);
        }));

      void it('revokes only the user’s own token', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const base = { wikiId: null, scope: 'write', expiresAt: null } as const;
          const mine = await store.createToken({ ...base, userId: alice.id, name: 'mine', hash: hashOf(1) });
          const bobs = await store.createToken({ ...base, userId: bob.id, name: 'bobs', hash: hashOf(2) });
          assert.equal(await store.revokeToken(alice.id, bobs.id), false);
          assert.deepEqual(await store.findTokenByHash(hashOf(2)), bobs);
          assert.equal(await store.revokeToken(alice.id, 999), false);
          assert.equal(await store.revokeToken(alice.id, mine.id), true);
          assert.equal(await store.findTokenByHash(hashOf(1)), null);
          assert.equal(await store.revokeToken(alice.id, mine.id), false);
          assert.deepEqual(await store.listTokens(bob.id), [bobs]);
        }));

      void it('refuses a token for a missing user or wiki, or a hash already stored, changing nothing', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const base = { name: 't', scope: 'read', expiresAt: null } as const;
          const existing = await store.createToken({ ...base, userId: alice.id, hash: hashOf(1), wikiId: null });
          await rejectsWith(
            store.createToken({ ...base, userId: 999, hash: hashOf(2), wikiId: null }),
            'USER_NOT_FOUND',
            /No user with id 999/,
          );
          await rejectsWith(
            store.createToken({ ...base, userId: alice.id, hash: hashOf(3), wikiId: 999 }),
            'WIKI_NOT_FOUND',
            /No wiki with id 999/,
          );
          await rejectsWith(
            store.createToken({ ...base, userId: alice.id, hash: hashOf(1), wikiId: null }),
            'INTERNAL',
            /already exists/,
          );
          assert.deepEqual(await store.listTokens(alice.id), [existing]);
          assert.equal(await store.findTokenByHash(hashOf(2)), null);
          assert.equal(await store.findTokenByHash(hashOf(3)), null);
        }));
    });

    void describe('sessions', () => {
      const later = '2099-01-01T00:00:00.000Z';
      void it('creates a session and finds it by hash', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const s = await store.createSession({ userId: alice.id, hash: hashOf(5), userAgent: 'Firefox', expiresAt: later });
          assert.equal(s.userId, alice.id);
          assert.equal(s.userAgent, 'Firefox');
          assert.equal(s.expiresAt, later);
          assert.ok(s.createdAt.endsWith('Z') && s.lastSeenAt === s.createdAt);
          assert.deepEqual(await store.findSessionByHash(hashOf(5)), s);
          assert.equal(await store.findSessionByHash(hashOf(6)), null);
        }));

      void it('touching slides the expiry of that session only', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const a = await store.createSession({ userId: alice.id, hash: hashOf(1), userAgent: '', expiresAt: later });
          const b = await store.createSession({ userId: alice.id, hash: hashOf(2), userAgent: '', expiresAt: later });
          await store.touchSession(a.id, '2030-01-01T00:00:00.000Z', '2030-02-01T00:00:00.000Z');
          const after = await store.findSessionByHash(hashOf(1));
          assert.equal(after?.lastSeenAt, '2030-01-01T00:00:00.000Z');
          assert.equal(after?.expiresAt, '2030-02-01T00:00:00.000Z');
          assert.deepEqual(await store.findSessionByHash(hashOf(2)), b);
        }));

      void it('lists and revokes only the user’s own sessions', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const a1 = await store.createSession({ userId: alice.id, hash: hashOf(1), userAgent: 'one', expiresAt: later });
          const b1 = await store.createSession({ userId: bob.id, hash: hashOf(2), userAgent: 'bob', expiresAt: later });
          const a2 = await store.createSession({ userId: alice.id, hash: hashOf(3), userAgent: 'two', expiresAt: later });
          assert.deepEqual(await store.listSessions(alice.id), [a1, a2]);
          assert.equal(await store.revokeSession(alice.id, b1.id), false);
          assert.deepEqual(await store.findSessionByHash(hashOf(2)), b1);
          assert.equal(await store.revokeSession(alice.id, a1.id), true);
          assert.equal(await store.revokeSession(alice.id, a1.id), false);
          assert.deepEqual(await store.listSessions(alice.id), [a2]);
        }));

      void it('refuses a session for a missing user or a stored hash, changing nothing; deleting the user ends them', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const s = await store.createSession({ userId: alice.id, hash: hashOf(1), userAgent: '', expiresAt: later });
          await rejectsWith(store.createSession({ userId: 999, hash: hashOf(2), userAgent: '', expiresAt: later }), 'USER_NOT_FOUND', /No user with id 999/);
          await rejectsWith(store.createSession({ userId: alice.id, hash: hashOf(1), userAgent: '', expiresAt: later }), 'INTERNAL', /already exists/);
          assert.deepEqual(await store.listSessions(alice.id), [s]);
          assert.equal(await store.findSessionByHash(hashOf(2)), null);
          await store.deleteUser(alice.id);
          assert.equal(await store.findSessionByHash(hashOf(1)), null);
        }));
    });

    void describe('oauth records and keys', () => {
      const rec = (kind: string, id: string, extra: Partial<OAuthRecord> = {}): OAuthRecord => ({
        kind,
        id,
        payload: JSON.stringify({ jti: id }),
        grantId: null,
        uid: null,
        accountId: null,
        clientId: null,
        expiresAt: null,
        ...extra,
      });

      void it('saves, replaces, finds by id and uid, and deletes records; kinds are separate', () =>
        withStore(async (store) => {
          await store.saveOAuthRecord(rec('Session', 's1', { uid: 'u1', accountId: '7' }));
          await store.saveOAuthRecord(rec('AccessToken', 's1'));
          assert.deepEqual(await store.findOAuthRecord('Session', 's1'), rec('Session', 's1', { uid: 'u1', accountId: '7' }));
          assert.deepEqual(await store.findOAuthRecordByUid('Session', 'u1'), rec('Session', 's1', { uid: 'u1', accountId: '7' }));
          assert.equal(await store.findOAuthRecordByUid('AccessToken', 'u1'), null);
          await store.saveOAuthRecord(rec('Session', 's1', { payload: '{"changed":true}', expiresAt: '2030-01-01T00:00:00.000Z' }));
          const replaced = await store.findOAuthRecord('Session', 's1');
          assert.equal(replaced?.payload, '{"changed":true}');
          assert.equal(replaced?.uid, null);
          await store.deleteOAuthRecord('Session', 's1');
          assert.equal(await store.findOAuthRecord('Session', 's1'), null);
          assert.notEqual(await store.findOAuthRecord('AccessToken', 's1'), null);
        }));

      void it('deletes a whole grant, lists by account, purges only expired records', () =>
        withStore(async (store) => {
          await store.saveOAuthRecord(rec('Grant', 'g1', { accountId: '7', clientId: 'c1' }));
          await store.saveOAuthRecord(rec('Grant', 'g2', { accountId: '7', clientId: 'c2' }));
          await store.saveOAuthRecord(rec('Grant', 'g3', { accountId: '8', clientId: 'c1' }));
          await store.saveOAuthRecord(rec('AccessToken', 'a1', { grantId: 'g1', expiresAt: '2000-01-01T00:00:00.000Z' }));
          await store.saveOAuthRecord(rec('RefreshToken', 'r1', { grantId: 'g1' }));
          await store.saveOAuthRecord(rec('AccessToken', 'a2', { grantId: 'g2', expiresAt: '2999-01-01T00:00:00.000Z' }));
          assert.deepEqual(
            (await store.listOAuthRecords('Grant', '7')).map((r) => r.id),
            ['g1', 'g2'],
          );
          assert.equal(await store.deleteOAuthGrant('g1'), 3);
          assert.equal(await store.findOAuthRecord('RefreshToken', 'r1'), null);
          assert.deepEqual(
            (await store.listOAuthRecords('Grant', '7')).map((r) => r.id),
            ['g2'],
          );
          assert.equal(await store.deleteOAuthGrant('missing'), 0);
          await store.saveOAuthRecord(rec('AccessToken', 'old', { expiresAt: '2000-01-01T00:00:00.000Z' }));
          assert.equal(await store.purgeOAuthRecords('2020-01-01T00:00:00.000Z'), 1);
          assert.notEqual(await store.findOAuthRecord('AccessToken', 'a2'), null);
          assert.notEqual(await store.findOAuthRecord('Grant', 'g3'), null);
        }));

      void it('keeps keys in creation order, retires once, refuses a duplicate kid and deletes', () =>
        withStore(async (store) => {
          const k1: OAuthKey = { kid: 'k1', use: 'sig', material: '{"kty":"EC"}', createdAt: '2026-01-01T00:00:00.000Z', retiredAt: null };
          const k2: OAuthKey = { kid: 'k2', use: 'sig', material: '{"kty":"EC"}', createdAt: '2026-02-01T00:00:00.000Z', retiredAt: null };
          await store.addOAuthKey(k2);
          await store.addOAuthKey(k1);
          await rejectsWith(store.addOAuthKey(k1), 'INTERNAL', /already exists/);
          assert.deepEqual(await store.listOAuthKeys(), [k1, k2]);
          await store.retireOAuthKey('k1', '2026-03-01T00:00:00.000Z');
          await store.retireOAuthKey('k1', '2027-03-01T00:00:00.000Z');
          assert.deepEqual(await store.listOAuthKeys(), [{ ...k1, retiredAt: '2026-03-01T00:00:00.000Z' }, k2]);
          await store.deleteOAuthKey('k1');
          assert.deepEqual(await store.listOAuthKeys(), [k2]);
        }));
    });

    void describe('account and wiki settings', () => {
      void it('updates tier, disabled and admin flags, leaving omitted fields alone', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          assert.deepEqual(await store.updateUser(alice.id, { tier: 'premium' }), { ...alice, tier: 'premium' });
          assert.deepEqual(await store.updateUser(alice.id, { disabled: true, isAdmin: true }), { ...alice, tier: 'premium', disabled: true, isAdmin: true });
          assert.deepEqual(await store.updateUser(alice.id, {}), { ...alice, tier: 'premium', disabled: true, isAdmin: true });
          assert.deepEqual(await store.updateUser(alice.id, { tier: 'lapsed', disabled: false }), { ...alice, tier: 'lapsed', isAdmin: true });
          assert.equal(await store.updateUser(9999, { tier: 'free' }), null);
          assert.deepEqual(await store.updateUser(alice.id, { passwordHash: 'scrypt$new' }), { ...alice, tier: 'lapsed', isAdmin: true, passwordHash: 'scrypt$new' });
          assert.equal(await store.countUsers(), 1);
        }));

      void it('updates wiki settings, leaving omitted fields and other wikis alone', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const a = await wiki(store, alice.id, 'one');
          const b = await wiki(store, alice.id, 'two');
          const changed = await store.updateWiki(a.id, { name: 'Renamed', visibility: 'public', categories: ['x', 'y'] });
          assert.deepEqual(changed, { ...a, name: 'Renamed', visibility: 'public', categories: ['x', 'y'] });
          assert.deepEqual(await store.updateWiki(a.id, { purpose: 'new purpose' }), { ...a, name: 'Renamed', visibility: 'public', categories: ['x', 'y'], purpose: 'new purpose' });
          assert.deepEqual(await store.getWikiById(b.id), b);
          assert.equal(await store.updateWiki(9999, { name: 'x' }), null);
        }));

      void it('new wikis show Home, take optional commit messages and [[Page|Text]] links; each setting changes alone', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const a = await wiki(store, alice.id, 'one');
          const b = await wiki(store, alice.id, 'two');
          assert.equal(a.homePage, 'Home');
          assert.equal(a.commitMessages, 'optional');
          assert.equal(a.wikilinkOrder, 'page-text');
          assert.deepEqual(await store.updateWiki(a.id, { homePage: 'Start/Here' }), { ...a, homePage: 'Start/Here' });
          assert.deepEqual(await store.updateWiki(a.id, { commitMessages: 'required' }), { ...a, homePage: 'Start/Here', commitMessages: 'required' });
          const all = await store.updateWiki(a.id, { commitMessages: 'disabled', wikilinkOrder: 'text-page', name: 'N' });
          assert.deepEqual(all, { ...a, name: 'N', homePage: 'Start/Here', commitMessages: 'disabled', wikilinkOrder: 'text-page' });
          assert.deepEqual(await store.getWiki('alice', 'one'), all);
          assert.deepEqual((await store.listWikisForUser(alice.id)).map((m) => m.wiki), [all, b]);
          assert.deepEqual(await store.getWikiById(b.id), b);
        }));
    });

    void describe('invitations', () => {
      void it('invites an email once per wiki (case-insensitive), changes the role, lists and deletes', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const a = await wiki(store, alice.id, 'one');
          const b = await wiki(store, alice.id, 'two');
          const first = await store.putInvitation(a.id, 'Carol@Example.org', 'viewer');
          assert.equal(first.email, 'Carol@Example.org');
          assert.equal(first.role, 'viewer');
          const again = await store.putInvitation(a.id, 'carol@example.ORG', 'editor');
          assert.deepEqual(again, { ...first, role: 'editor' });
          await store.putInvitation(a.id, 'bob@example.org', 'viewer');
          await store.putInvitation(b.id, 'carol@example.org', 'viewer');
          assert.deepEqual((await store.listInvitations(a.id)).map((i) => [i.email, i.role]), [['bob@example.org', 'viewer'], ['Carol@Example.org', 'editor']]);
          assert.deepEqual((await store.listInvitationsForEmail('CAROL@example.org')).map((i) => i.wikiId).sort(), [a.id, b.id].sort());
          assert.equal(await store.deleteInvitation(a.id, 'carol@EXAMPLE.org'), true);
          assert.equal(await store.deleteInvitation(a.id, 'carol@example.org'), false);
          assert.deepEqual((await store.listInvitationsForEmail('carol@example.org')).map((i) => i.wikiId), [b.id]);
        }));

      void it('refuses an invitation to a missing wiki; deleting the wiki removes its invitations', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const a = await wiki(store, alice.id, 'one');
          await rejectsWith(store.putInvitation(9999, 'x@example.org', 'viewer'), 'WIKI_NOT_FOUND', /No wiki with id 9999/);
          assert.deepEqual(await store.listInvitationsForEmail('x@example.org'), []);
          await store.putInvitation(a.id, 'x@example.org', 'viewer');
          await store.deleteWiki(a.id);
          assert.deepEqual(await store.listInvitationsForEmail('x@example.org'), []);
        }));
    });

    void describe('identities', () => {
      void it('links provider accounts by subject, finds, lists oldest first and unlinks only the user’s own', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const a1 = await store.addIdentity({ providerId: 'corp', subject: 'sub-1', userId: alice.id, email: 'alice@corp.example' });
          assert.deepEqual([a1.providerId, a1.subject, a1.userId, a1.email], ['corp', 'sub-1', alice.id, 'alice@corp.example']);
          assert.ok(a1.createdAt.endsWith('Z'));
          const a2 = await store.addIdentity({ providerId: 'other', subject: 'sub-1', userId: alice.id, email: null });
          const b1 = await store.addIdentity({ providerId: 'corp', subject: 'SUB-1', userId: bob.id, email: null });
          assert.deepEqual(await store.findIdentity('corp', 'sub-1'), a1);
          assert.deepEqual(await store.findIdentity('corp', 'SUB-1'), b1, 'subjects are compared exactly');
          assert.equal(await store.findIdentity('corp', 'sub-2'), null);
          assert.deepEqual(await store.listIdentities(alice.id), [a1, a2]);
          assert.equal(await store.removeIdentity(alice.id, 'corp', 'SUB-1'), false);
          assert.deepEqual(await store.findIdentity('corp', 'SUB-1'), b1);
          assert.equal(await store.removeIdentity(alice.id, 'corp', 'sub-1'), true);
          assert.equal(await store.removeIdentity(alice.id, 'corp', 'sub-1'), false);
          assert.deepEqual(await store.listIdentities(alice.id), [a2]);
        }));

      void it('refuses a subject linked already or a missing user, changing nothing; deleting the user unlinks', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const a1 = await store.addIdentity({ providerId: 'corp', subject: 's', userId: alice.id, email: null });
          await rejectsWith(store.addIdentity({ providerId: 'corp', subject: 's', userId: bob.id, email: null }), 'USER_EXISTS', /already linked/);
          await rejectsWith(store.addIdentity({ providerId: 'corp', subject: 't', userId: 999, email: null }), 'USER_NOT_FOUND', /No user with id 999/);
          assert.deepEqual(await store.findIdentity('corp', 's'), a1);
          assert.deepEqual(await store.listIdentities(bob.id), []);
          assert.equal(await store.findIdentity('corp', 't'), null);
          await store.deleteUser(alice.id);
          assert.equal(await store.findIdentity('corp', 's'), null);
        }));
    });

    void describe('email tokens', () => {
      void it('takes a token once, by purpose and hash, whatever its expiry; deleting by user and purpose leaves others', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const past = new Date(Date.now() - 1000).toISOString();
          const t = await store.createEmailToken({ userId: alice.id, purpose: 'reset', hash: hashOf(1), email: alice.email, expiresAt: past });
          assert.deepEqual([t.userId, t.purpose, t.email, t.expiresAt], [alice.id, 'reset', 'alice@example.org', past]);
          assert.equal(await store.takeEmailToken('verify', hashOf(1)), null, 'another purpose does not take it');
          assert.deepEqual(await store.takeEmailToken('reset', hashOf(1)), t);
          assert.equal(await store.takeEmailToken('reset', hashOf(1)), null, 'a second take finds nothing');
          const future = new Date(Date.now() + 3_600_000).toISOString();
          await store.createEmailToken({ userId: alice.id, purpose: 'reset', hash: hashOf(2), email: alice.email, expiresAt: future });
          await store.createEmailToken({ userId: alice.id, purpose: 'reset', hash: hashOf(3), email: alice.email, expiresAt: future });
          await store.createEmailToken({ userId: alice.id, purpose: 'verify', hash: hashOf(4), email: alice.email, expiresAt: future });
          await store.createEmailToken({ userId: bob.id, purpose: 'reset', hash: hashOf(5), email: bob.email, expiresAt: future });
          assert.equal(await store.deleteEmailTokens(alice.id, 'reset'), 2);
          assert.equal(await store.takeEmailToken('reset', hashOf(2)), null);
          assert.equal((await store.takeEmailToken('verify', hashOf(4)))?.userId, alice.id);
          assert.equal((await store.takeEmailToken('reset', hashOf(5)))?.userId, bob.id);
        }));
      void it('refuses a token of a missing user; deleting the user deletes their tokens', () =>
        withStore(async (store) => {
          const future = new Date(Date.now() + 3_600_000).toISOString();
          await rejectsWith(store.createEmailToken({ userId: 999, purpose: 'verify', hash: hashOf(7), email: 'x@example.org', expiresAt: future }), 'USER_NOT_FOUND', /no user 999/);
          assert.equal(await store.takeEmailToken('verify', hashOf(7)), null);
          const alice = await user(store, 'alice');
          await store.createEmailToken({ userId: alice.id, purpose: 'verify', hash: hashOf(8), email: alice.email, expiresAt: future });
          await store.deleteUser(alice.id);
          assert.equal(await store.takeEmailToken('verify', hashOf(8)), null);
        }));
      void it('marks an email verified and unverified through updateUser', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          assert.equal(alice.emailVerifiedAt, null);
          const at = new Date().toISOString();
          assert.equal((await store.updateUser(alice.id, { emailVerifiedAt: at }))?.emailVerifiedAt, at);
          assert.equal((await store.getUserByEmail('ALICE@example.org'))?.emailVerifiedAt, at);
          assert.equal((await store.updateUser(alice.id, { tier: 'premium' }))?.emailVerifiedAt, at, 'other changes keep it');
          assert.equal((await store.updateUser(alice.id, { emailVerifiedAt: null }))?.emailVerifiedAt, null);
        }));
      void it('lists a user’s tokens of one purpose, oldest first, whatever their expiry; a change token keeps its new address', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          const bob = await user(store, 'bob');
          const past = new Date(Date.now() - 1000).toISOString();
          const future = new Date(Date.now() + 3_600_000).toISOString();
          const a = await store.createEmailToken({ userId: alice.id, purpose: 'change', hash: hashOf(11), email: 'new@example.org', expiresAt: past });
          const b = await store.createEmailToken({ userId: alice.id, purpose: 'change', hash: hashOf(12), email: 'newer@example.org', expiresAt: future });
          await store.createEmailToken({ userId: alice.id, purpose: 'verify', hash: hashOf(13), email: alice.email, expiresAt: future });
          await store.createEmailToken({ userId: bob.id, purpose: 'change', hash: hashOf(14), email: 'bob2@example.org', expiresAt: future });
          assert.deepEqual(await store.listEmailTokens(alice.id, 'change'), [a, b]);
          assert.deepEqual((await store.listEmailTokens(alice.id, 'verify')).map((t) => t.hash), [hashOf(13)]);
          assert.deepEqual(await store.listEmailTokens(alice.id, 'reset'), []);
          assert.deepEqual(await store.takeEmailToken('change', hashOf(12)), b);
          assert.deepEqual(await store.listEmailTokens(alice.id, 'change'), [a]);
        }));
      void it('changes a user’s email through updateUser; an address of another account (any case) is refused, changing nothing', () =>
        withStore(async (store) => {
          const alice = await user(store, 'alice');
          await user(store, 'bob');
          assert.equal((await store.updateUser(alice.id, { email: 'Alice.New@example.org' }))?.email, 'Alice.New@example.org');
          assert.equal((await store.getUserByEmail('alice.new@EXAMPLE.org'))?.id, alice.id);
          assert.equal(await store.getUserByEmail('alice@example.org'), null, 'the old address is free again');
          await rejectsWith(store.updateUser(alice.id, { email: 'BOB@example.org' }), 'USER_EXISTS', /already exists/);
          assert.equal((await store.getUserById(alice.id))?.email, 'Alice.New@example.org');
          assert.equal((await store.getUserByEmail('bob@example.org'))?.username, 'bob');
        }));
    });

    void it('ping succeeds on an open store', () => withStore((store) => store.ping()));
  });
}
