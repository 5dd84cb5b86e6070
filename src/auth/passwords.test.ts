/** Tests of password hashing and the strength rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWikiError } from '../errors.js';
import { checkPasswordStrength, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';

void describe('hashPassword / verifyPassword', () => {
  void it('verifies the right password and rejects a wrong one', async () => {
    const encoded = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', encoded), true);
    assert.equal(await verifyPassword('correct horse batterY', encoded), false);
    assert.equal(await verifyPassword('', encoded), false);
  });

  void it('encodes scrypt$N$r$p$salt$key with a 16-byte salt and a 64-byte key, never the password', async () => {
    const encoded = await hashPassword('correct horse battery');
    const parts = encoded.split('$');
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '16384', '8', '1']);
    assert.equal(Buffer.from(parts[4] ?? '', 'base64url').length, 16);
    assert.equal(Buffer.from(parts[5] ?? '', 'base64url').length, 64);
    assert.ok(!encoded.includes('correct'));
  });

  void it('salts every hash', async () => {
    const a = await hashPassword('same password here');
    const b = await hashPassword('same password here');
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same password here', b), true);
  });

  void it('handles non-ASCII passwords', async () => {
    const encoded = await hashPassword('pässwört-ключ-密码');
    assert.equal(await verifyPassword('pässwört-ключ-密码', encoded), true);
    assert.equal(await verifyPassword('passwort-ключ-密码', encoded), false);
  });

  void it('returns false for malformed or tampered encodings instead of throwing', async () => {
    const good = await hashPassword('correct horse battery');
    const [, n, r, p, salt, key] = good.split('$') as [string, string, string, string, string, string];
    const bad = [
      '',
      'garbage',
      'bcrypt$16384$8$1$' + salt + '$' + key,
      `scrypt$${n}$${r}$${p}$${salt}`,
      `scrypt$${n}$${r}$${p}$${salt}$${key}$extra`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$0$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // absurd cost
      `scrypt$${n}$abc$${p}$${salt}$${key}`,
      `scrypt$${n}$${r}$-1$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}$`,
      `scrypt$${n}$${r}$${p}$${salt}$not*base64`,
      `scrypt$${n}$${r}$${p}$${salt}$${key.slice(0, 10)}`, // key too short
      `scrypt$${n}$${r}$${p}$${salt}$${key.slice(0, -2)}AA`, // wrong key of the right length
    ];
    for (const encoded of bad) {
      assert.equal(await verifyPassword('correct horse battery', encoded), false, encoded);
    }
  });

  void it('verifies a hash made with other valid parameters', async () => {
    const encoded = await hashPassword('correct horse battery');
    // A cheaper hash of the same password, as an older deployment might have stored.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('correct horse battery', salt, 32, { N: 1024, r: 8, p: 1 });
    const older = `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    assert.equal(await verifyPassword('correct horse battery', older), true);
    assert.equal(await verifyPassword('wrong horse battery', older), false);
    assert.notEqual(older, encoded);
  });
});

void describe('checkPasswordStrength', () => {
  void it('accepts passwords of at least the minimum length', () => {
    assert.equal(MIN_PASSWORD_LENGTH, 10);
    checkPasswordStrength('0123456789');
    checkPasswordStrength('a long and reasonable passphrase');
  });

  void it('refuses a short password with a message saying how long it must be', () => {
    for (const pw of ['', 'short', '012345678', '🔑🔑🔑🔑🔑🔑🔑🔑🔑']) {
      assert.throws(
        () => checkPasswordStrength(pw),
        (err: unknown) => isWikiError(err, 'INVALID_INPUT') && /at least 10 characters/.test(err.message),
        pw,
      );
    }
  });

  void it('counts characters, not bytes or UTF-16 units', () => {
    checkPasswordStrength('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑');
  });

  void it('refuses an absurdly long password', () => {
    assert.throws(
      () => checkPasswordStrength('x'.repeat(1025)),
      (err: unknown) => isWikiError(err, 'INVALID_INPUT') && /at most 1024 characters/.test(err.message),
    );
  });
});
