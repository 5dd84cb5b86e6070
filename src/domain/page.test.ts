// Unit tests of analyzePage: titles, category, tags, dates, archived flag, word count and links.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzePage } from './page.js';

const base = { owner: 'alice', wiki: 'geo' };

void describe('analyzePage', () => {
  void it('takes the title from front matter first', () => {
    const page = analyzePage('Actors/Iran', '---\ntitle: Islamic Republic\n---\n# Iran\n', base);
    assert.equal(page.title, 'Islamic Republic');
  });

  void it('falls back to the first H1 outside code, then to the path', () => {
    assert.equal(analyzePage('A/B', '```\n# Not this\n```\n\n## Sub\n# The Title #\n', base).title, 'The Title');
    assert.equal(analyzePage('Actors/Iran_Regime', 'No heading here.', base).title, 'Iran Regime');
  });

  void it('reads category, tags as a list or a comma-separated string, and the date', () => {
    const page = analyzePage(
      'P',
      '---\ncategory: actor\ntags: [nuclear, " sanctions ", nuclear]\nlast_updated: 2026-01-31\n---\nText',
      base,
    );
    assert.equal(page.category, 'actor');
    assert.deepEqual(page.tags, ['nuclear', 'sanctions']);
    assert.equal(page.lastUpdated, '2026-01-31');
    assert.deepEqual(analyzePage('P', '---\ntags: a, b ,c\n---\n', base).tags, ['a', 'b', 'c']);
  });

  void it('gives null for missing or malformed values', () => {
    const page = analyzePage('P', '---\nlast_updated: last week\ncategory: [a]\n---\nText', base);
    assert.equal(page.lastUpdated, null);
    assert.equal(page.category, null);
    assert.deepEqual(page.tags, []);
    assert.equal(page.archived, false);
  });

  void it('reads the archived flag', () => {
    assert.equal(analyzePage('P', '---\narchived: true\n---\n', base).archived, true);
    assert.equal(analyzePage('P', '---\narchived: false\n---\n', base).archived, false);
  });

  void it('counts words of the body, not markdown punctuation or front matter', () => {
    const page = analyzePage(
      'P',
      '---\ntitle: Many words here\n---\n# Hello world\n\n- one, two\n- **three**\n\n---\n| a | b |\n',
      base,
    );
    assert.equal(page.wordCount, 7);
    assert.equal(page.body.startsWith('# Hello world'), true);
  });

  void it('lists outgoing links and reports broken front matter', () => {
    const page = analyzePage('P', '---\ntitle: [\n---\nSee [[Actors/Iran]].', base);
    assert.deepEqual(
      page.links.map((l) => l.targetKey),
      ['actors/iran'],
    );
    assert.match(page.frontmatterError ?? '', /not valid YAML/);
    assert.equal(page.title, 'P');
  });
});
