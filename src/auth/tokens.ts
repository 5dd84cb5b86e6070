/**
 * Personal access tokens: generation, hashing for storage, and the expiry syntax people type (`30d`, `never`, a date).
 */
import { createHash, randomBytes } from 'node:crypto';
import { WikiError } from '../errors.js';

export const TOKEN_PREFIX = 'wbt_';
const TOKEN_PATTERN = /^wbt_[A-Za-z0-9_-]{43}$/;

/** A new token: `wbt_` and 32 random bytes in base64url (47 characters). Shown once, stored only as its hash. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * SHA-256 of the token, hex. A fast hash is right here: tokens carry 256 random bits, so there is nothing to
 * brute-force, and a lookup by hash must be cheap on every request.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `s` has the shape of a token this module generates (lets callers tell a token from a password or JWT). */
export function looksLikeToken(s: string): boolean {
  return TOKEN_PATTERN.test(s);
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9][0-9]{0,5})([mhdy])$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const EXPIRY_HELP = 'use a duration like 90m, 12h, 30d or 1y, a date like 2027-01-31 (UTC), or "never"';

function invalid(input: string, why: string): WikiError {
  return new WikiError('INVALID_INPUT', `Invalid expiry "${input}": ${why}.`, { field: 'expires' });
}

/**
 * Turns an expiry as typed into an ISO timestamp, or null for `never`. Accepts `90m`, `12h`, `30d`, `1y` (a calendar
 * year), a date `2027-01-31` (midnight UTC at the start of that day) or a full ISO timestamp with a time zone. The
 * result must lie in the future.
 */
export function parseExpiry(input: string, now: Date = new Date()): string | null {
  if (input === 'never') return null;
  let at: Date;
  const duration = DURATION.exec(input);
  const iso = duration ? null : ISO_DATE.exec(input);
  if (duration) {
    const amount = Number(duration[1]);
    const unit = duration[2] as 'm' | 'h' | 'd' | 'y';
    if (unit === 'y') {
      at = new Date(now.getTime());
      at.setUTCFullYear(at.getUTCFullYear() + amount);
    } else {
      at = new Date(now.getTime() + amount * UNIT_MS[unit]);
    }
    // Beyond 9999 toISOString switches to a six-digit year, which would break sorting of stored timestamps.
    if (Number.isNaN(at.getTime()) || at.getUTCFullYear() > 9999) throw invalid(input, 'that is too far in the future');
  } else if (iso) {
    at = new Date(input);
    const [, y, mo, d, h, mi, s] = iso;
    const validDate = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    // Date rolls 2027-02-30 over into March; refuse instead of guessing.
    const calendarOk =
      validDate.getUTCFullYear() === Number(y) &&
      validDate.getUTCMonth() === Number(mo) - 1 &&
      validDate.getUTCDate() === Number(d);
    const clockOk = h === undefined || (Number(h) < 24 && Number(mi) < 60 && (s === undefined || Number(s) < 60));
    if (!calendarOk || !clockOk || Number.isNaN(at.getTime())) throw invalid(input, 'no such date or time');
  } else {
    throw invalid(input, EXPIRY_HELP);
  }
  if (at.getTime() <= now.getTime()) throw invalid(input, 'that is not in the future');
  return at.toISOString();
}
