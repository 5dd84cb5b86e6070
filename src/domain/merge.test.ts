import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeText } from './merge.js';

const base = 'title\n\nalpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n';

void test('changes to different lines merge cleanly, keeping both', () => {
  assert.deepEqual(mergeText(base, base.replace('alpha', 'ALPHA'), base.replace('zeta', 'ZETA')), {
    clean: true,
    text: 'title\n\nALPHA\nbeta\ngamma\ndelta\nepsilon\nZETA\n',
  });
});

void test('the same change on both sides is not a conflict', () => {
  const both = base.replace('gamma', 'GAMMA');
  assert.deepEqual(mergeText(base, both, both), { clean: true, text: both });
});

void test('overlapping changes are a conflict, shown with markers', () => {
  const result = mergeText(base, base.replace('gamma', 'mine'), base.replace('gamma', 'yours'));
  assert.equal(result.clean, false);
  assert.match(result.text, /<<<<<<< current\nmine\n=======\nyours\n>>>>>>> yours\n/);
});

void test('changes to adjacent lines are a conflict (never silently interleaved)', () => {
  const result = mergeText(base, base.replace('beta', 'B'), base.replace('gamma', 'G'));
  assert.equal(result.clean, false);
});

void test('insertions at both ends, a missing final newline and CRLF lines survive', () => {
  const crlf = 'one\r\ntwo\r\nthree';
  const merged = mergeText(crlf, `zero\r\n${crlf}`, crlf.replace('three', 'THREE'));
  assert.deepEqual(merged, { clean: true, text: 'zero\r\none\r\ntwo\r\nTHREE' });
  assert.deepEqual(mergeText('', 'a\n', ''), { clean: true, text: 'a\n' });
});

void test('one side unchanged takes the other side whole', () => {
  const theirs = 'completely\nnew\n';
  assert.deepEqual(mergeText(base, base, theirs), { clean: true, text: theirs });
  assert.deepEqual(mergeText(base, theirs, base), { clean: true, text: theirs });
});
