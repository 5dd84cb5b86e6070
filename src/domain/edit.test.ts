// Unit tests of replaceUnique: one match edits, zero or several are refused with a useful message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WikiError } from '../errors.js';
import { replaceUnique } from './edit.js';

void describe('replaceUnique', () => {
  void it('replaces the single occurrence, taking the new text literally', () => {
    assert.equal(replaceUnique('a cat sat', 'cat', 'dog $& $1'), 'a dog $& $1 sat');
  });

  void it('refuses when the text does not occur and says to re-read', () => {
    assert.throws(() => replaceUnique('a cat sat', 'bird', 'dog'), {
      code: 'EDIT_NO_MATCH',
      message: /not found.*Re-read the page/s,
    });
  });

  void it('mentions a match that differs only in case', () => {
    assert.throws(() => replaceUnique('a Cat sat', 'cat', 'dog'), { code: 'EDIT_NO_MATCH', message: /letter case/ });
  });

  void it('mentions a match that differs only in whitespace', () => {
    assert.throws(() => replaceUnique('a cat\nsat', 'cat  sat', 'dog'), {
      code: 'EDIT_NO_MATCH',
      message: /whitespace/,
    });
  });

  void it('refuses two occurrences with their count and lines', () => {
    assert.throws(
      () => replaceUnique('cat\nx\ncat\n', 'cat', 'dog'),
      (err: unknown) => {
        assert.ok(err instanceof WikiError);
        assert.equal(err.code, 'EDIT_AMBIGUOUS');
        assert.match(err.message, /old_string occurs 2 times/);
        assert.deepEqual(err.data, { count: 2, lines: [1, 3] });
        return true;
      },
    );
  });

  void it('refuses an empty old_string', () => {
    assert.throws(() => replaceUnique('abc', '', 'x'), { code: 'INVALID_INPUT', message: /old_string is empty/ });
  });
});
