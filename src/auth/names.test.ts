/** Tests of the owner name, wiki slug and email rules. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWikiError } from '../errors.js';
import { parseEmail, parseUsername, parseWikiSlug, RESERVED_NAMES } from './names.js';

function refuses(fn: () => unknown, message: RegExp, label: string): void {
  assert.throws(fn, (err: unknown) => isWikiError(err, 'INVALID_INPUT') && message.test(err.message), label);
}

for (const [kind, parse] of [
  ['Username', parseUsername],
  ['Wiki slug', parseWikiSlug],
] as const) {
  void describe(`${kind} rules`, () => {
    void it('accepts valid names unchanged', () => {
      for (const s of ['abc', 'alice', 'iran-watch', 'a1b', '007', 'a--b', 'x'.repeat(40), 'my-research-2026']) {
        assert.equal(parse(s), s);
      }
    });

    void it('refuses names that are too short or too long', () => {
      for (const s of ['', 'a', 'ab']) refuses(() => parse(s), /too short: use 3 to 40 characters/, s);
      refuses(() => parse('x'.repeat(41)), /too long: use 3 to 40 characters/, '41');
    });

    void it('refuses a leading or trailing hyphen', () => {
      for (const s of ['-abc', 'abc-', '-ab-', '---']) refuses(() => parse(s), /cannot start or end with a hyphen/, s);
    });

    void it('refuses characters other than lowercase letters, digits and hyphens', () => {
      for (const s of ['a_b', 'a.b', 'a b', ' abc', 'abc ', 'a/b', 'ålice', 'abc\n', '.well-known', 'a+b']) {
        refuses(() => parse(s), /may contain only lowercase letters a-z, digits and hyphens/, JSON.stringify(s));
      }
    });

    void it('refuses uppercase and suggests the lowercase form, without changing the name', () => {
      assert.throws(
        () => parse('Alice'),
        (err: unknown) =>
          isWikiError(err, 'INVALID_INPUT') &&
          err.message === `${kind} "Alice" must be lowercase: use "alice".` &&
          err.data['suggestion'] === 'alice',
      );
      refuses(() => parse('IRAN-Watch'), /must be lowercase: use "iran-watch"/, 'IRAN-Watch');
    });

    void it('does not suggest a lowercase form that would itself be refused', () => {
      assert.throws(
        () => parse('API'),
        (err: unknown) =>
          isWikiError(err, 'INVALID_INPUT') &&
          /"API" may contain only lowercase letters/.test(err.message) &&
          !('suggestion' in err.data),
      );
      refuses(() => parse('Ab'), /too short/, 'Ab');
      refuses(() => parse('A_b'), /may contain only lowercase letters/, 'A_b');
    });

    void it('refuses every reserved name', () => {
      for (const s of ['api', 'mcp', 'oauth', 'static', 'admin', 'login', 'healthz', 'metrics', 'www', 'docs']) {
        refuses(() => parse(s), new RegExp(`"${s}" is reserved`), s);
      }
      for (const s of RESERVED_NAMES)
        assert.throws(
          () => parse(s),
          (err: unknown) => isWikiError(err),
          s,
        );
    });
  });
}

void describe('RESERVED_NAMES', () => {
  void it('holds the site’s own routes', () => {
    for (const s of ['api', 'mcp', 'oauth', 'static', 'admin', '-', '.well-known', 'u', 'w', 'status', 'new']) {
      assert.ok(RESERVED_NAMES.has(s), s);
    }
    assert.equal(RESERVED_NAMES.size, 31);
  });
});

void describe('parseEmail', () => {
  void it('accepts ordinary addresses and keeps their case', () => {
    for (const s of [
      'alice@example.org',
      'Alice.Smith+wiki@Mail.Example.co.uk',
      'a@b.io',
      'x_y-z@sub-domain.example',
      'jörg@bücher.de',
    ]) {
      assert.equal(parseEmail(s), s);
    }
  });

  void it('removes surrounding whitespace only', () => {
    assert.equal(parseEmail('  Alice@Example.org\n'), 'Alice@Example.org');
  });

  void it('refuses malformed addresses with a message saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /Email is required/],
      ['   ', /Email is required/],
      ['alice', /exactly one "@"/],
      ['alice@@example.org', /exactly one "@"/],
      ['a@b@example.org', /exactly one "@"/],
      ['@example.org', /before "@" must be 1 to 64/],
      [`${'x'.repeat(65)}@example.org`, /before "@" must be 1 to 64/],
      ['al ice@example.org', /before "@" has characters/],
      ['.alice@example.org', /before "@" has characters or dots/],
      ['alice.@example.org', /before "@" has characters or dots/],
      ['al..ice@example.org', /before "@" has characters or dots/],
      ['"alice"@example.org', /before "@" has characters/],
      ['alice@example', /domain like example\.org/],
      ['alice@', /domain like example\.org/],
      ['alice@.example.org', /domain like example\.org/],
      ['alice@example..org', /domain like example\.org/],
      ['alice@-example.org', /domain like example\.org/],
      ['alice@exa mple.org', /domain like example\.org/],
      ['alice@example.org.', /domain like example\.org/],
      ['ali\u0000ce@example.org', /control characters/],
      [`a@${'x'.repeat(250)}.org`, /at most 254 characters/],
    ];
    for (const [input, message] of cases) {
      refuses(() => parseEmail(input), message, JSON.stringify(input));
    }
  });
});
