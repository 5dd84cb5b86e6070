// Unit tests of the user-syntax → FTS5 translation and snippet escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWikiError } from '../errors.js';
import { MARK_CLOSE, MARK_OPEN, snippetToHtml, stripMarkers, toFtsQuery } from './fts-query.js';

void test('words become quoted terms that are ANDed', () => {
  assert.equal(toFtsQuery('iran  regime').match, '"iran" "regime"');
});

void test('quoted phrases are kept and a trailing * makes a prefix term', () => {
  assert.deepEqual(toFtsQuery('deal'), { match: '"deal"', hasPrefix: false });
  assert.deepEqual(toFtsQuery('"a*b" deal'), { match: '"a*b" "deal"', hasPrefix: false });
  assert.deepEqual(toFtsQuery('deal sanct*'), { match: '"deal" "sanct"*', hasPrefix: true });
  assert.equal(toFtsQuery('"nuclear deal" sanct*').match, '"nuclear deal" "sanct"*');
  assert.equal(toFtsQuery('"nuclear de"*').match, '"nuclear de"*');
});

void test('operators, column filters and quotes are only text', () => {
  assert.equal(toFtsQuery('a AND b OR NOT c').match, '"a" "AND" "b" "OR" "NOT" "c"');
  assert.equal(toFtsQuery('NEAR(a b)').match, '"NEAR(a" "b)"');
  assert.equal(toFtsQuery('title:iran').match, '"title:iran"');
  assert.equal(toFtsQuery('"unbalanced phrase').match, '"unbalanced" "phrase"');
  assert.equal(toFtsQuery(`it's`).match, `"it's"`);
  assert.equal(toFtsQuery('a"b').match, '"a" "b"');
});

void test('a query with nothing searchable is refused', () => {
  for (const q of ['', '   ', '"', '*', '""', '" "', `'); --`, '🎉', '(*)']) {
    assert.throws(
      () => toFtsQuery(q),
      (e: unknown) => isWikiError(e, 'INVALID_INPUT') && /search query is empty/u.test(e.message),
      `query ${JSON.stringify(q)}`,
    );
  }
});

void test('a one-character prefix term is refused', () => {
  assert.throws(
    () => toFtsQuery('iran a*'),
    (e: unknown) => isWikiError(e, 'INVALID_INPUT') && /at least 2 characters/u.test(e.message),
  );
  assert.throws(
    () => toFtsQuery("'a*"),
    (e: unknown) => isWikiError(e, 'INVALID_INPUT') && /at least 2 characters/u.test(e.message),
  );
  assert.equal(toFtsQuery('ir*').match, '"ir"*');
  assert.equal(toFtsQuery('"nuclear d"*').match, '"nuclear d"*');
});

void test('an overlong query is refused', () => {
  assert.throws(
    () => toFtsQuery('a '.repeat(600)),
    (e: unknown) => isWikiError(e, 'INVALID_INPUT'),
  );
});

void test('snippets are HTML-escaped and markers become <mark>', () => {
  assert.equal(
    snippetToHtml(`<script>alert("x")</script> & ${MARK_OPEN}iran${MARK_CLOSE}'s`),
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <mark>iran</mark>&#39;s',
  );
});

void test('indexed text cannot carry the markers', () => {
  assert.equal(stripMarkers(`a${MARK_OPEN}b${MARK_CLOSE}c`), 'a b c');
  assert.equal(stripMarkers('plain'), 'plain');
});
