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

void test('random edits to separate parts of a page always merge into both edits (seeded, 300 cases)', () => {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  // Blank lines and repeated lines on purpose: they are what makes line matching ambiguous.
  const words = ['', '', 'same', 'alpha', 'beta', '- item', '## Heading'];
  const edit = (page: string[], from: number, to: number, tag: string) =>
    page.flatMap((line, i) => {
      if (i < from || i >= to) return [line];
      const roll = random(6);
      if (roll === 0) return [];
      if (roll === 1) return [`${tag} new ${i}`, line];
      if (roll === 2) return [`${tag} changed ${i}`];
      return [line];
    });
  for (let n = 0; n < 300; n++) {
    const page = Array.from(
      { length: 10 + random(40) },
      (_, i) => `${words[random(words.length)]!}${random(3) === 0 ? ` ${i}` : ''}`,
    );
    const cut = Math.floor(page.length / 2);
    // Two unique, unchanged lines at the cut keep the edits apart (with repeated lines only, a diff may line an edit
    // up against the other side's, which is a conflict, as in git).
    page[cut - 1] = 'anchor one';
    page[cut] = 'anchor two';
    const ours = edit(page, 0, cut - 1, 'ours');
    const theirs = edit(page, cut + 1, page.length, 'theirs');
    const both = [
      ...ours.slice(0, ours.length - (page.length - cut + 1)),
      ...page.slice(cut - 1, cut + 1),
      ...theirs.slice(cut + 1),
    ];
    const text = (l: string[]) => l.map((line) => `${line}\n`).join('');
    const merged = mergeText(text(page), text(ours), text(theirs));
    assert.deepEqual(merged, { clean: true, text: text(both) }, `case ${n}`);
    assert.deepEqual(mergeText(text(page), text(ours), text(ours)), { clean: true, text: text(ours) });
  }
});

void test('a conflict shows each side over the whole region, including base lines only the other side changed', () => {
  const result = mergeText('a\nb\nc\nd\ne\n', 'a\nB\nc\nd\ne\n', 'a\nb\nC\nD\ne\n');
  assert.deepEqual(result, {
    clean: false,
    text: 'a\n<<<<<<< current\nB\nc\nd\n=======\nb\nC\nD\n>>>>>>> yours\ne\n',
  });
});
