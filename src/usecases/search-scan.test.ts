// Unit tests of the scanning search: exact case, regular expressions, ranking, result lines, bad patterns and the time limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PageText } from '../index/index.js';
import { scanPages, scanPattern } from './search-scan.js';

const page = (path: string, body: string, title = path.split('/').pop()!.replace(/_/g, ' ')): PageText => ({
  path,
  title,
  category: null,
  tags: [],
  body,
});

const pages = [
  page('Notes/Misc', 'NATO met.\nThe nato summit, NATO again and NATO once more.\nNothing here.'),
  page('Actors/NATO', 'An alliance.'),
  page('Other', 'nato in lower case only'),
  page('Empty', 'no match at all'),
];

const search = (query: string, caseSensitive: boolean, regex: boolean, list = pages) =>
  scanPages(list, scanPattern(query, { caseSensitive, regex }));

void describe('scanPages', () => {
  void it('matches the case as typed, name matches first, then by number of matches', () => {
    const hits = search('NATO', true, false);
    assert.deepEqual(
      hits.map((h) => h.path),
      ['Actors/NATO', 'Notes/Misc'],
    );
    assert.equal(hits[1]!.snippet, '<mark>NATO</mark> met. … The nato summit, <mark>NATO</mark> again and <mark>NATO</mark> once more.');
    assert.equal(hits[0]!.snippet, '', 'a name-only match shows no line');
    assert.ok(hits[0]!.score > hits[1]!.score);
  });

  void it('ignores case unless asked, and orders by number of matches', () => {
    assert.deepEqual(
      search('nato', false, false).map((h) => h.path),
      ['Actors/NATO', 'Notes/Misc', 'Other'],
    );
  });

  void it('takes regular-expression syntax literally unless regex is set', () => {
    assert.deepEqual(search('N.TO', true, false), []);
    assert.deepEqual(
      search('N.TO', true, true).map((h) => h.path),
      ['Actors/NATO', 'Notes/Misc'],
    );
    assert.deepEqual(
      search('^nato in', false, true).map((h) => h.path),
      ['Other'],
    );
    assert.deepEqual(
      search('^the nato', false, true).map((h) => h.path),
      ['Notes/Misc'],
      '^ is the start of any line',
    );
  });

  void it('escapes page text in result lines and cuts long lines around the match', () => {
    const long = `${'x '.repeat(200)}<b>needle</b> & ${'y '.repeat(200)}`;
    const [hit] = search('needle', false, false, [page('P', long)]);
    assert.ok(hit);
    assert.match(hit.snippet, /^….*&lt;b&gt;<mark>needle<\/mark>&lt;\/b&gt; &amp; y.*…$/);
    assert.ok(hit.snippet.length < 260, `${hit.snippet.length} characters`);
  });

  void it('skips empty matches instead of looping on them', () => {
    assert.deepEqual(search('z*', false, true), []);
  });

  void it('refuses a pattern that does not compile, with the reason', () => {
    assert.throws(() => scanPattern('(unclosed', { caseSensitive: false, regex: true }), {
      code: 'INVALID_INPUT',
      message: /^The regular expression is not valid: .*Unterminated group/,
    });
    assert.ok(scanPattern('(unclosed', { caseSensitive: false, regex: false }), 'literal text is never a bad pattern');
  });

  void it('stops a catastrophically backtracking pattern at the time limit', () => {
    const evil = [page('Evil', `${'a'.repeat(40)}b`)];
    const started = Date.now();
    assert.throws(() => scanPages(evil, scanPattern('(a+)+$', { caseSensitive: false, regex: true }), 100), {
      code: 'INVALID_INPUT',
      message: /took longer than 100 ms and was stopped/,
    });
    assert.ok(Date.now() - started < 2000);
    // The shared scan context still works afterwards.
    assert.deepEqual(search('alliance', false, false).map((h) => h.path), ['Actors/NATO']);
  });
});
