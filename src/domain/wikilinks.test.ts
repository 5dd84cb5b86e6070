// Unit tests of link extraction and rename rewriting: every link form, code left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractLinks, parseWikiLink, rewriteLinks } from './wikilinks.js';

const base = { owner: 'alice', wiki: 'geo' };

void describe('extractLinks', () => {
  void it('finds every WikiLink form', () => {
    const links = extractLinks(
      'See [[Actors/Iran]], [[Actors/Iran Regime|the regime]], [[Events/Summit#Day One]] and [[Trends/Oil#Prices|oil]].',
      base,
    );
    assert.deepEqual(links, [
      { target: 'Actors/Iran', targetKey: 'actors/iran', anchor: null, kind: 'wikilink' },
      { target: 'Actors/Iran_Regime', targetKey: 'actors/iran_regime', anchor: null, kind: 'wikilink' },
      { target: 'Events/Summit', targetKey: 'events/summit', anchor: 'Day One', kind: 'wikilink' },
      { target: 'Trends/Oil', targetKey: 'trends/oil', anchor: 'Prices', kind: 'wikilink' },
    ]);
  });

  void it('finds markdown links and images to wiki pages, decoding percent-escapes', () => {
    const links = extractLinks(
      [
        '[a](/alice/geo/Actors/Iran) [b](/alice/geo/Actors/Iran%20Regime#history "title")',
        '![map](/alice/geo/Actors/Iran/map.png) [doc](/alice/geo/Actors/Iran/brief.pdf)',
        '[other wiki](/bob/geo/Actors/Iran) [external](https://example.com/alice/geo/X) [rel](Actors/Iran)',
        '',
        '[ref]: /alice/geo/Events/Summit',
      ].join('\n'),
      base,
    );
    assert.deepEqual(links, [
      { target: 'Actors/Iran', targetKey: 'actors/iran', anchor: null, kind: 'markdown' },
      { target: 'Actors/Iran_Regime', targetKey: 'actors/iran_regime', anchor: 'history', kind: 'markdown' },
      { target: 'Events/Summit', targetKey: 'events/summit', anchor: null, kind: 'markdown' },
    ]);
  });

  void it('ignores links inside fenced code, indented code and code spans', () => {
    const body = [
      'Real [[Real_Page]].',
      '',
      '```',
      '[[Fenced]] [x](/alice/geo/FencedMd)',
      '```',
      '',
      '~~~md',
      '[[Tilde]]',
      '~~~',
      '',
      '    [[Indented]]',
      '',
      'Inline `[[Span]]` and ``[[Double `tick` span]]`` and `[x](/alice/geo/SpanMd)`.',
      '',
      '- list',
      '',
      '  ```',
      '  [[InList]]',
      '  ```',
    ].join('\n');
    assert.deepEqual(
      extractLinks(body, base).map((l) => l.target),
      ['Real_Page'],
    );
  });

  void it('skips invalid targets and same-page anchors, and de-duplicates', () => {
    const links = extractLinks('[[../etc]] [[#Top]] [[a:b]] [[Page]] [[Page]] [[ Page ]] [[Page#x]]', base);
    assert.deepEqual(
      links.map((l) => [l.target, l.anchor]),
      [
        ['Page', null],
        ['Page', 'x'],
      ],
    );
  });

  void it('reads a WikiLink whose pipe is escaped inside a table', () => {
    const links = extractLinks('| a |\n|---|\n| [[Actors/Iran\\|Iran]] |\n', base);
    assert.deepEqual(
      links.map((l) => l.target),
      ['Actors/Iran'],
    );
  });

  void it('keeps link kinds apart', () => {
    const links = extractLinks('[[Page]] [p](/alice/geo/Page)', base);
    assert.deepEqual(
      links.map((l) => l.kind),
      ['wikilink', 'markdown'],
    );
  });
});

void describe('parseWikiLink', () => {
  void it('splits target, anchor and text', () => {
    assert.deepEqual(parseWikiLink('Actors/Iran Regime#Early years|Iran'), {
      target: 'Actors/Iran_Regime',
      anchor: 'Early years',
      text: 'Iran',
      written: 'Actors/Iran Regime#Early years',
      valid: true,
    });
    assert.equal(parseWikiLink('a..b').valid, false);
  });
});

void describe('rewriteLinks', () => {
  const rename = (text: string, from = 'Actors/Old_Name', to = 'Actors/New_Name') => rewriteLinks(text, from, to, base);

  void it('rewrites [[Old]]', () => {
    assert.deepEqual(rename('See [[Actors/Old_Name]].'), { text: 'See [[Actors/New_Name]].', count: 1 });
  });

  void it('rewrites [[Old|text]] and keeps the text', () => {
    assert.equal(rename('[[Actors/Old_Name|the old one]]').text, '[[Actors/New_Name|the old one]]');
  });

  void it('rewrites [[Old#h]] and [[Old#h|text]]', () => {
    assert.equal(
      rename('[[Actors/Old_Name#Top]] [[Actors/Old_Name#Top|t]]').text,
      '[[Actors/New_Name#Top]] [[Actors/New_Name#Top|t]]',
    );
  });

  void it('matches case-insensitively and keeps a spaced shape spaced', () => {
    const r = rename('[[actors/old name]] [[ACTORS/OLD_NAME]] [[ Actors/Old Name |x]]');
    assert.equal(r.text, '[[Actors/New Name]] [[Actors/New_Name]] [[ Actors/New Name |x]]');
    assert.equal(r.count, 3);
  });

  void it('rewrites markdown links, with and without anchors', () => {
    assert.equal(
      rename('[t](/alice/geo/Actors/Old_Name) [u](/alice/geo/Actors/Old_Name#h "title")').text,
      '[t](/alice/geo/Actors/New_Name) [u](/alice/geo/Actors/New_Name#h "title")',
    );
  });

  void it('moves links to attachments with the page', () => {
    assert.equal(rename('![](/alice/geo/Actors/Old_Name/x.png)').text, '![](/alice/geo/Actors/New_Name/x.png)');
  });

  void it('rewrites percent-encoded links and keeps them encoded', () => {
    assert.equal(
      rewriteLinks('[t](/alice/geo/Old%20Name) ![](/alice/geo/old%20name/a%20b.png)', 'Old_Name', 'Neuer_Name_é', base)
        .text,
      '[t](/alice/geo/Neuer%20Name%20%C3%A9) ![](/alice/geo/Neuer%20Name%20%C3%A9/a%20b.png)',
    );
  });

  void it('rewrites reference definitions and angle-bracket destinations', () => {
    assert.equal(
      rename('[r]: /alice/geo/Actors/Old_Name\n[a](</alice/geo/Actors/Old_Name>)').text,
      '[r]: /alice/geo/Actors/New_Name\n[a](</alice/geo/Actors/New_Name>)',
    );
  });

  void it('rewrites a WikiLink with an escaped pipe inside a table', () => {
    assert.equal(rename('| [[Actors/Old_Name\\|old]] |').text, '| [[Actors/New_Name\\|old]] |');
  });

  void it('refuses an invalid new path', () => {
    assert.throws(() => rewriteLinks('[[A]]', 'A', 'B/../C', base), { code: 'INVALID_PATH' });
  });

  void it('leaves sub-pages, other pages, other wikis and prefixes alone', () => {
    const text =
      '[[Actors/Old_Name/Child]] [[Actors/Old_Name_2]] [c](/alice/geo/Actors/Old_Name/Child) ' +
      '[o](/bob/geo/Actors/Old_Name) [[Old_Name]]';
    assert.deepEqual(rename(text), { text, count: 0 });
  });

  void it('never touches code blocks or code spans', () => {
    const text =
      '```\n[[Actors/Old_Name]]\n```\n\n    [[Actors/Old_Name]]\n\n`[[Actors/Old_Name]]` [[Actors/Old_Name]]\n';
    assert.deepEqual(rename(text), {
      text: '```\n[[Actors/Old_Name]]\n```\n\n    [[Actors/Old_Name]]\n\n`[[Actors/Old_Name]]` [[Actors/New_Name]]\n',
      count: 1,
    });
  });
});

void describe('WikiLink order [[Text|Page]] (a wiki setting)', () => {
  const textFirst = { ...base, linkOrder: 'text-page' as const };

  void it('parses the page after the pipe, the text before it; a link without a pipe is the same in both orders', () => {
    assert.deepEqual(parseWikiLink('the regime|Actors/Iran Regime#History', 'text-page'), {
      target: 'Actors/Iran_Regime',
      anchor: 'History',
      text: 'the regime',
      written: 'Actors/Iran Regime#History',
      valid: true,
    });
    assert.deepEqual(parseWikiLink('Actors/Iran', 'text-page'), parseWikiLink('Actors/Iran'));
    // Inside a table the escaping backslash ends the text, not the page.
    assert.equal(parseWikiLink('oil\\|Trends/Oil', 'text-page').target, 'Trends/Oil');
    assert.equal(parseWikiLink('oil\\|Trends/Oil', 'text-page').text, 'oil');
    assert.equal(parseWikiLink('text|', 'text-page').valid, false);
  });

  void it('extracts the page side of each link, and the default order reads the same text the other way', () => {
    const text = 'See [[the regime|Actors/Iran]], [[Events/Summit]] and `[[code|Not/This]]`.';
    assert.deepEqual(
      extractLinks(text, textFirst).map((l) => l.target),
      ['Actors/Iran', 'Events/Summit'],
    );
    assert.deepEqual(
      extractLinks(text, base).map((l) => l.target),
      ['the_regime', 'Events/Summit'],
    );
  });

  void it('rewrites the page side on rename and leaves the shown text alone, even when it names the old page', () => {
    const text = '[[Old|Old]] [[see Old|Old#h]] [[Old]] [[Old|Other]]';
    assert.deepEqual(rewriteLinks(text, 'Old', 'New', textFirst), { text: '[[Old|New]] [[see Old|New#h]] [[New]] [[Old|Other]]', count: 3 });
    assert.deepEqual(rewriteLinks(text, 'Old', 'New', base), { text: '[[New|Old]] [[see Old|Old#h]] [[New]] [[New|Other]]', count: 3 });
  });
});
