// Unit tests of front matter splitting and joining.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { joinFrontmatter, splitFrontmatter } from './frontmatter.js';

void describe('splitFrontmatter', () => {
  void it('parses a YAML block and returns the body after it', () => {
    const r = splitFrontmatter('---\ntitle: Iran\ntags: [a, b]\n---\n# Iran\n');
    assert.deepEqual(r.frontmatter, { title: 'Iran', tags: ['a', 'b'] });
    assert.equal(r.body, '# Iran\n');
    assert.equal(r.raw, 'title: Iran\ntags: [a, b]\n');
    assert.equal(r.error, null);
  });

  void it('keeps dates as ISO strings', () => {
    const r = splitFrontmatter('---\nlast_updated: 2026-01-31\n---\nx');
    assert.equal(r.frontmatter.last_updated, '2026-01-31');
  });

  void it('tolerates CRLF line ends', () => {
    const r = splitFrontmatter('---\r\ntitle: A\r\n---\r\nbody\r\n');
    assert.deepEqual(r.frontmatter, { title: 'A' });
    assert.equal(r.body, 'body\r\n');
  });

  void it('returns the whole text when there is no front matter or no closing line', () => {
    assert.deepEqual(splitFrontmatter('# Title\n'), { frontmatter: {}, body: '# Title\n', raw: null, error: null });
    assert.equal(splitFrontmatter('---\ntitle: A\nno end').body, '---\ntitle: A\nno end');
  });

  void it('reports invalid YAML and still returns the body', () => {
    const r = splitFrontmatter('---\ntitle: [unclosed\n---\nbody');
    assert.deepEqual(r.frontmatter, {});
    assert.equal(r.body, 'body');
    assert.match(r.error ?? '', /not valid YAML/);
  });

  void it('reports a front matter that is not a mapping', () => {
    const r = splitFrontmatter('---\n- a\n- b\n---\nbody');
    assert.deepEqual(r.frontmatter, {});
    assert.equal(r.body, 'body');
    assert.match(r.error ?? '', /mapping/);
  });

  void it('accepts an empty block', () => {
    const r = splitFrontmatter('---\n---\nbody');
    assert.deepEqual(r.frontmatter, {});
    assert.equal(r.error, null);
    assert.equal(r.body, 'body');
  });
});

void describe('joinFrontmatter', () => {
  void it('is the inverse of splitFrontmatter', () => {
    const fm = { title: 'A: B', tags: ['x'], last_updated: '2026-01-31', archived: false };
    const text = joinFrontmatter(fm, '\n# A\n');
    const back = splitFrontmatter(text);
    assert.deepEqual(back.frontmatter, fm);
    assert.equal(back.body, '\n# A\n');
  });

  void it('gives the body alone for an empty object', () => {
    assert.equal(joinFrontmatter({}, '# A\n'), '# A\n');
  });
});
