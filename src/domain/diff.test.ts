// Unit tests of unifiedDiff, diffHunks and diffStats.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffHunks, diffStats, unifiedDiff } from './diff.js';

const OLD = 'one\ntwo\nthree\nfour\n';
const NEW = 'one\n2\nthree\nfour\nfive\n';

void describe('diff', () => {
  void it('produces a unified diff with the given labels', () => {
    const d = unifiedDiff(OLD, NEW, { oldLabel: 'a/Page.md', newLabel: 'b/Page.md', context: 1 });
    assert.match(d, /^--- a\/Page\.md\n\+\+\+ b\/Page\.md\n/);
    assert.match(d, /^-two$/m);
    assert.match(d, /^\+2$/m);
    assert.match(d, /^\+five$/m);
    assert.equal(unifiedDiff(OLD, OLD, { oldLabel: 'a', newLabel: 'b' }), '');
  });

  void it('gives typed hunk lines', () => {
    const hunks = diffHunks(OLD, NEW);
    assert.equal(hunks.length, 1);
    const hunk = hunks[0];
    assert.ok(hunk);
    assert.equal(hunk.oldStart, 1);
    assert.deepEqual(
      hunk.lines.filter((l) => l.type !== 'context'),
      [
        { type: 'del', text: 'two' },
        { type: 'add', text: '2' },
        { type: 'add', text: 'five' },
      ],
    );
  });

  void it('counts added and removed lines', () => {
    assert.deepEqual(diffStats(OLD, NEW), { added: 2, removed: 1 });
    assert.deepEqual(diffStats(OLD, OLD), { added: 0, removed: 0 });
  });

  void it('skips "no newline at end of file" markers in hunks', () => {
    const hunks = diffHunks('a', 'b');
    assert.deepEqual(hunks[0]?.lines, [
      { type: 'del', text: 'a' },
      { type: 'add', text: 'b' },
    ]);
  });
});
