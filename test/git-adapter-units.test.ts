/**
 * The git adapter's small parts: every WikiError code has a git shape, pkt-line framing, the hook's ref-update
 * lines, `ls-tree` and `log --raw` parsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GIT_ERRORS, gitErrorText } from '../src/adapters/git-http/error-table.js';
import { errPacket, FLUSH_PKT, pktLine, serviceHeader } from '../src/adapters/git-http/pkt-line.js';
import { parseUpdates } from '../src/adapters/git-http/push-hooks.js';
import { parseLsTree, parseRawLog } from '../src/adapters/git-http/quarantine.js';
import { ERROR_CODES } from '../src/errors.js';

void test('every error code maps to a git status and label', () => {
  assert.deepEqual(Object.keys(GIT_ERRORS).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) assert.ok(GIT_ERRORS[code].label.length > 3, code);
  assert.equal(GIT_ERRORS.UNAUTHORIZED.status, 401);
  assert.equal(GIT_ERRORS.WIKI_NOT_FOUND.status, 404);
  assert.equal(gitErrorText('QUOTA_EXCEEDED', 'too many pages'), 'over quota: too many pages');
});

void test('pkt-lines are framed with their hex length; ERR packets stay on one line', () => {
  assert.equal(pktLine('hello\n').toString(), '000ahello\n');
  assert.equal(FLUSH_PKT.toString(), '0000');
  assert.equal(serviceHeader('git-upload-pack').toString(), '001e# service=git-upload-pack\n0000');
  assert.equal(errPacket('two\nlines').toString(), '0012ERR two lines\n');
  assert.throws(() => pktLine('x'.repeat(70_000)), RangeError);
});

void test('pre-receive input and ls-tree output parse', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  assert.deepEqual(parseUpdates(`${a} ${b} refs/heads/main\n\n${b} ${a} refs/tags/v1\n`), [
    { oldOid: a, newOid: b, ref: 'refs/heads/main' },
    { oldOid: b, newOid: a, ref: 'refs/tags/v1' },
  ]);
  const out = Buffer.from(`100644 blob ${a}     123\tA B/c.md\u0000160000 commit ${b}       -\tsub\u0000`);
  assert.deepEqual(parseLsTree(out), [
    { path: 'A B/c.md', mode: '100644', oid: a, size: 123 },
    { path: 'sub', mode: '160000', oid: b, size: 0 },
  ]);
});

void test('git log -z --raw output parses by position: roots, merges, empty commits, subjects that look like changes', () => {
  const [a, b, c, d, z] = ['a', 'b', 'c', 'd', '0'].map((x) => x.repeat(40)) as [string, string, string, string, string];
  const out = Buffer.from(
    [
      `${a} `, 'root', `:000000 100644 ${z} ${b} A`, 'bad name?.md',
      `\n${b} ${a}`, `:000000 100644 ${z} ${b} A`, `\n:100644 000000 ${b} ${z} D`, 'bad name?.md', `:000000 120000 ${z} ${c} A`, 'Link.md',
      `${c} ${b} ${d}`, 'Merge', `\n:100644 100644 ${b} ${c} M`, 'A/B.md',
      '',
    ].join('\0'),
  );
  assert.deepEqual(parseRawLog(out), [
    { oid: a, parents: [], subject: 'root', changes: [{ path: 'bad name?.md', mode: '100644' }] },
    { oid: b, parents: [a], subject: `:000000 100644 ${z} ${b} A`, changes: [{ path: 'bad name?.md', mode: null }, { path: 'Link.md', mode: '120000' }] },
    { oid: c, parents: [b, d], subject: 'Merge', changes: [{ path: 'A/B.md', mode: '100644' }] },
  ]);
  assert.throws(() => parseRawLog(Buffer.from('not a commit\0')), /Unexpected git log output/);
});
