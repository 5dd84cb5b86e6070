/**
 * Password hashing for local accounts: scrypt from node:crypto, with its parameters stored in the encoding so they
 * can be raised later without breaking existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { WikiError } from '../errors.js';

export const MIN_PASSWORD_LENGTH = 10;
/** Long enough for any passphrase; bounds the work one login attempt can cause. */
export const MAX_PASSWORD_LENGTH = 1024;

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

// Refuse stored parameters that would make one verification absurdly expensive (a tampered or corrupt hash).
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function maxmem(n: number, r: number, p: number): number {
  // scrypt needs 128·N·r bytes (plus 128·r·p); node's default 32 MiB cap is too low for larger N.
  return 128 * n * r + 128 * r * p + 1024 * 1024;
}

/** Hashes a password as `scrypt$N$r$p$<salt>$<key>` (salt and key in base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: maxmem(N, R, P) });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parsePositiveInt(s: string | undefined, max: number): number | null {
  if (s === undefined || !/^[1-9][0-9]{0,9}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** True when `password` matches `encoded`; false for a wrong password or an encoding this module did not make. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const n = parsePositiveInt(parts[1], MAX_N);
  const r = parsePositiveInt(parts[2], MAX_R);
  const p = parsePositiveInt(parts[3], MAX_P);
  const saltText = parts[4] ?? '';
  const keyText = parts[5] ?? '';
  if (n === null || r === null || p === null || n < 2 || (n & (n - 1)) !== 0) return false;
  if (!BASE64URL.test(saltText) || !BASE64URL.test(keyText)) return false;
  const salt = Buffer.from(saltText, 'base64url');
  const expected = Buffer.from(keyText, 'base64url');
  if (salt.length < 8 || expected.length < 16 || expected.length > 256) return false;
  let actual: Buffer;
  try {
    actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r, p) });
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}

/** Throws INVALID_INPUT when a new password is too short (or absurdly long). Length counts characters, not bytes. */
export function checkPasswordStrength(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new WikiError(
      'INVALID_INPUT',
      `Password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a few unrelated words work well).`,
      { field: 'password', minLength: MIN_PASSWORD_LENGTH },
    );
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new WikiError('INVALID_INPUT', `Password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`, {
      field: 'password',
      maxLength: MAX_PASSWORD_LENGTH,
    });
  }
}
