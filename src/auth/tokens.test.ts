/** Tests of access token generation, hashing and expiry parsing. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isWikiError } from '../errors.js';
import { generateToken, hashToken, looksLikeToken, parseExpiry } from './tokens.js';

void describe('generateToken / hashToken / looksLikeToken', () => {
  void it('generates distinct wbt_ tokens of 32 random bytes', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => generateToken()));
    assert.equal(tokens.size, 100);
    for (const token of tokens) {
      assert.match(token, /^wbt_[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32);
      assert.equal(looksLikeToken(token), true);
    }
  });

  void it('hashes a token to a stable SHA-256 hex digest that is not the token', () => {
    const token = generateToken();
    const hash = hashToken(token);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashToken(token), hash);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(!hash.includes(token.slice(4)));
    assert.notEqual(hashToken(generateToken()), hash);
    // The SHA-256 test vector of "abc" (FIPS 180-2).
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  void it('tells tokens from other strings', () => {
    for (const s of ['', 'wbt_', 'wbt_short', 'Bearer wbt_x', 'a password', 'eyJhbGciOiJSUzI1NiJ9.e30.sig']) {
      assert.equal(looksLikeToken(s), false, s);
    }
    const token = generateToken();
    assert.equal(looksLikeToken(token + 'x'), false);
    assert.equal(looksLikeToken(' ' + token), false);
    assert.equal(looksLikeToken('wbx_' + token.slice(4)), false);
  });
});

void describe('parseExpiry', () => {
  const now = new Date('2026-03-15T12:00:00.000Z');

  void it('adds durations in minutes, hours, days and calendar years', () => {
    assert.equal(parseExpiry('90m', now), '2026-03-15T13:30:00.000Z');
    assert.equal(parseExpiry('12h', now), '2026-03-16T00:00:00.000Z');
    assert.equal(parseExpiry('30d', now), '2026-04-14T12:00:00.000Z');
    assert.equal(parseExpiry('1y', now), '2027-03-15T12:00:00.000Z');
    assert.equal(parseExpiry('2y', new Date('2024-02-29T00:00:00.000Z')), '2026-03-01T00:00:00.000Z');
  });

  void it('returns null for never', () => {
    assert.equal(parseExpiry('never', now), null);
  });

  void it('accepts a future date (midnight UTC) or a full timestamp with a time zone', () => {
    assert.equal(parseExpiry('2027-01-31', now), '2027-01-31T00:00:00.000Z');
    assert.equal(parseExpiry('2027-01-31T08:30:00Z', now), '2027-01-31T08:30:00.000Z');
    assert.equal(parseExpiry('2027-01-31T08:30+02:00', now), '2027-01-31T06:30:00.000Z');
    assert.equal(parseExpiry('2027-01-31T08:30:15.250Z', now), '2027-01-31T08:30:15.250Z');
  });

  void it('defaults now to the current time', () => {
    const before = Date.now();
    const at = Date.parse(parseExpiry('1h') ?? '');
    assert.ok(at >= before + 3_600_000 && at <= Date.now() + 3_600_000);
  });

  void it('refuses bad input with a message saying what is accepted', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /use a duration like 90m, 12h, 30d or 1y/],
      ['30', /use a duration/],
      ['30 d', /use a duration/],
      ['30D', /use a duration/],
      ['0d', /use a duration/],
      ['-5d', /use a duration/],
      ['1.5h', /use a duration/],
      ['2w', /use a duration/],
      ['Never', /use a duration/],
      ['tomorrow', /use a duration/],
      ['2027-01-31T08:30', /use a duration/], // no time zone: ambiguous
      ['31/01/2027', /use a duration/],
      ['2027-02-30', /no such date/],
      ['2027-13-01', /no such date/],
      ['2027-01-31T25:00Z', /no such date or time/],
      ['2026-03-15', /not in the future/],
      ['2020-01-01T00:00:00Z', /not in the future/],
      ['999999y', /too far in the future/],
      ['9999999y', /use a duration/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseExpiry(input, now),
        (err: unknown) =>
          isWikiError(err, 'INVALID_INPUT') && message.test(err.message) && err.message.includes(`"${input}"`),
        input,
      );
    }
  });

  void it('refuses a duration past the year 9999, so stored timestamps keep one sortable format', () => {
    assert.equal(parseExpiry('7973y', now), '9999-03-15T12:00:00.000Z');
    assert.throws(
      () => parseExpiry('8000y', now),
      (err: unknown) => isWikiError(err, 'INVALID_INPUT') && /too far in the future/.test(err.message),
    );
  });
});
