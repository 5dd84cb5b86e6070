// Unit tests of rendering: features, WikiLinks, and every XSS vector rendered inert.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RenderCache, renderMarkdown, slugify } from './markdown.js';
import type { RenderContext } from './markdown.js';

const context: RenderContext = {
  owner: 'alice',
  wiki: 'geo',
  resolvePage: (key) => ({ 'actors/iran': 'Actors/Iran', home: 'Home' })[key] ?? null,
};

const render = (md: string): string => renderMarkdown(md, context).html;

/** Asserts nothing in the HTML can run script: no dangerous element, and no tag with a handler or a script URL. */
function assertInert(html: string): void {
  assert.doesNotMatch(html, /<(script|svg|math|iframe|object|embed|style|form|base|meta|link)\b/i);
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    assert.doesNotMatch(tag, /\son[a-z]+\s*=/i, tag);
    assert.doesNotMatch(tag, /javascript:|vbscript:|data:/i, tag);
  }
}

void describe('renderMarkdown: XSS', () => {
  const vectors: Array<[string, string]> = [
    ['script tag', 'Hi <script>alert(1)</script> there'],
    ['script block', '<script>\nalert(1)\n</script>'],
    ['javascript: markdown link', '[x](javascript:alert(1))'],
    ['mixed-case JaVaScRiPt: link', '<a href="JaVaScRiPt:alert(1)">x</a>'],
    ['entity-encoded javascript:', '<a href="jav&#x61;script:alert(1)">x</a>'],
    ['decimal-entity javascript:', '<a href="&#106;&#97;vascript:alert(1)">x</a>'],
    ['tab inside javascript:', '<a href="java\tscript:alert(1)">x</a>'],
    ['vbscript:', '<a href="vbscript:msgbox(1)">x</a>'],
    ['onerror attribute', '<img src="x.png" onerror="alert(1)">'],
    ['svg onload', '<svg onload="alert(1)"><circle r="1"/></svg>'],
    ['iframe', '<iframe src="https://example.com"></iframe>'],
    ['object', '<object data="x.swf"></object>'],
    ['style tag', '<style>body{display:none}</style>'],
    ['math tag', '<math><mtext>x</mtext></math>'],
    ['data: URL in a markdown link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
    ['data: URL in a raw link', '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
    ['data: URL in an image', '<img src="data:image/svg+xml,<svg onload=alert(1)>">'],
    ['markdown image with javascript:', '![x](javascript:alert(1))'],
    ['form and input', '<form action="/x"><input type="text" name="q"></form>'],
    ['event handler on an allowed tag', '<p onclick="alert(1)">x</p>'],
    ['WikiLink text with markup', '[[Actors/Iran|<img src=x onerror=alert(1)>]]'],
  ];
  for (const [name, source] of vectors) {
    void it(`neutralises ${name}`, () => assertInert(render(source)));
  }

  void it('keeps safe links and images', () => {
    const html = render('[a](https://example.com) [m](mailto:a@b.c) ![i](/alice/geo/Home/x.png) [r](/alice/geo/Home)');
    assert.match(html, /href="https:\/\/example\.com"/);
    assert.match(html, /href="mailto:a@b\.c"/);
    assert.match(html, /<img src="\/alice\/geo\/Home\/x\.png" alt="i" \/>/);
    assert.match(html, /href="\/alice\/geo\/Home"/);
  });

  void it('keeps only read-only checkboxes', () => {
    const html = render('<input type="checkbox" checked> <input type="text" value="x">');
    assert.equal((html.match(/<input/g) ?? []).length, 1);
    assert.match(html, /<input type="checkbox" disabled checked \/>/);
  });
});

void describe('renderMarkdown: WikiLinks', () => {
  void it('links existing pages to their stored spelling, with the heading id', () => {
    const html = render('[[actors/iran#Military Strategy|Iran]]');
    assert.match(html, /<a class="wikilink" href="\/alice\/geo\/Actors\/Iran#military-strategy">Iran<\/a>/);
  });

  void it('links missing pages to their create form', () => {
    assert.match(
      render('[[Events/New Summit]]'),
      /<a class="wikilink missing" href="\/alice\/geo\/Events\/New_Summit\?action=create">Events\/New Summit<\/a>/,
    );
  });

  void it('does not process WikiLinks inside code', () => {
    const html = render('`[[Home]]`\n\n```\n[[Home]]\n```\n');
    assert.doesNotMatch(html, /wikilink/);
    assert.match(html, /<code>\[\[Home\]\]<\/code>/);
  });

  void it('renders a WikiLink with an escaped pipe inside a table', () => {
    assert.match(
      render('| a |\n|---|\n| [[Actors/Iran\\|Iran]] |\n'),
      /<td><a class="wikilink" href="\/alice\/geo\/Actors\/Iran">Iran<\/a><\/td>/,
    );
  });

  void it('leaves invalid targets as text', () => {
    assert.equal(render('[[../x]]'), '<p>[[../x]]</p>\n');
  });
});

void describe('renderMarkdown: features', () => {
  void it('gives headings de-duplicated ids and a table of contents', () => {
    const { html, toc } = renderMarkdown('# Head\n## Head\n## Head\n### Été `x`!\n', context);
    assert.match(html, /<h1 id="head">/);
    assert.match(html, /<h2 id="head-1">/);
    assert.match(html, /<h2 id="head-2">/);
    assert.deepEqual(toc, [
      { level: 1, text: 'Head', id: 'head' },
      { level: 2, text: 'Head', id: 'head-1' },
      { level: 2, text: 'Head', id: 'head-2' },
      { level: 3, text: 'Été x!', id: 'été-x' },
    ]);
  });

  void it('slugifies like GitHub', () => {
    assert.equal(slugify(' Military Strategy (2020–2026) '), 'military-strategy-20202026');
    assert.equal(slugify('???'), 'section');
  });

  void it('typesets math with KaTeX (inline, display, $$ blocks, fenced math), TeX escaped in its text', () => {
    const html = render('Inline $a<b$ and $$\\frac{1}{2}$$.\n\n$$\nx < y & z\n$$\n\n```math\n<b>\n```\n');
    assert.match(html, /<span class="math math-inline"><span class="katex">.*<span class="mrel">&lt;<\/span>/s);
    assert.match(html, /<span class="math math-display"><span class="katex-display">.*class="mfrac"/s);
    assert.match(html, /<div class="math math-display"><span class="katex-error" [^>]*>x &lt; y &amp; z<\/span><\/div>/);
    assert.doesNotMatch(html, /<b>/);
  });

  void it('does not take prices for math', () => {
    assert.equal(render('It cost $5 and $10.'), '<p>It cost $5 and $10.</p>\n');
  });

  void it('passes mermaid through escaped', () => {
    assert.match(
      render('```mermaid\ngraph A-->B<script>\n```\n'),
      /<pre class="mermaid">graph A--&gt;B&lt;script&gt;\n<\/pre>/,
    );
  });

  void it('keeps the language class of code blocks, highlighted', () => {
    assert.match(
      render('```ts\nconst a = 1 < 2;\n```\n'),
      /<pre><code class="hljs language-ts"><span class="hljs-keyword">const<\/span> a = <span class="hljs-number">1<\/span> &lt; /,
    );
  });

  void it('renders footnotes', () => {
    const html = render('Claim[^1].\n\n[^1]: Source.\n');
    assert.match(html, /<sup class="footnote-ref"><a href="#fn1" id="fnref1">\[1\]<\/a><\/sup>/);
    assert.match(html, /<section class="footnotes">/);
    assert.match(html, /<li id="fn1" class="footnote-item"><p>Source\. <a href="#fnref1" class="footnote-backref">/);
  });

  void it('renders task lists', () => {
    const html = render('- [ ] open\n- [x] done\n');
    assert.match(html, /<ul class="contains-task-list">/);
    assert.match(
      html,
      /<li class="task-list-item"><input type="checkbox" disabled class="task-list-item-checkbox" \/> open/,
    );
    assert.match(html, /<input type="checkbox" disabled checked class="task-list-item-checkbox" \/> done/);
  });

  void it('renders tables with alignment', () => {
    const html = render('| a | b |\n|:--|--:|\n| `x\\|y` | 2 |\n');
    assert.match(html, /<th class="align-left">a<\/th>/);
    assert.match(html, /<td class="align-right">2<\/td>/);
    assert.doesNotMatch(html, /style=/, 'the CSP allows no style attributes');
    assert.match(html, /<code>x\|y<\/code>/);
  });

  void it('renders strikethrough, mark and autolinks', () => {
    const html = render('~~old~~ ==new *now*== https://example.com');
    assert.match(html, /<s>old<\/s>/);
    assert.match(html, /<mark>new <em>now<\/em><\/mark>/);
    assert.match(html, /<a href="https:\/\/example\.com">https:\/\/example\.com<\/a>/);
  });

  void it('renders GitHub alerts', () => {
    const html = render('> [!WARNING]\n> Mind the gap.\n\n> [!tip]\n> Shortcut.\n\n> plain quote\n');
    assert.match(
      html,
      /<div class="alert alert-warning">\n<p class="alert-title">Warning<\/p>\n<p>Mind the gap\.<\/p>\n<\/div>/,
    );
    assert.match(html, /<div class="alert alert-tip">/);
    assert.match(html, /<blockquote>\n<p>plain quote<\/p>\n<\/blockquote>/);
  });

  void it('renders footnotes referenced more than once with a back reference to each', () => {
    const html = render('One[^a], two[^a] and three[^a].\n\n[^a]: Shared source.\n');
    assert.match(html, /<a href="#fn1" id="fnref1">\[1\]<\/a>/);
    assert.match(html, /<a href="#fn1" id="fnref1:1">\[1:1\]<\/a>/);
    assert.match(html, /<a href="#fn1" id="fnref1:2">\[1:2\]<\/a>/);
    for (const ref of ['fnref1', 'fnref1:1', 'fnref1:2']) {
      assert.match(html, new RegExp(`<a href="#${ref}" class="footnote-backref">`), ref);
    }
  });

  void it('renders abbreviations as <abbr> with their expansion', () => {
    const html = render('The NATO summit.\n\n*[NATO]: North Atlantic Treaty Organization\n');
    assert.equal(html, '<p>The <abbr title="North Atlantic Treaty Organization">NATO</abbr> summit.</p>\n');
    assert.match(render('NATO\n\n*[NATO]: x" onclick="y\n'), /<abbr title="x&quot; onclick=&quot;y">NATO<\/abbr>/);
  });

  void it('renders ::: callouts of each kind, with an optional title, and refuses unknown kinds', () => {
    const html = render('::: info\nWith _formatted_ content.\n:::\n\n::: danger Mind the gap\nText.\n:::\n');
    assert.match(html, /<div class="callout callout-info">\n<p>With <em>formatted<\/em> content\.<\/p>\n<\/div>/);
    assert.match(html, /<div class="callout callout-danger">\n<p class="callout-title">Mind the gap<\/p>\n<p>Text\.<\/p>\n<\/div>/);
    for (const kind of ['success', 'warning', 'none', 'note', 'tip', 'important', 'caution']) {
      assert.match(render(`::: ${kind}\nx\n:::\n`), new RegExp(`<div class="callout callout-${kind}">`), kind);
    }
    assert.doesNotMatch(render('::: evil" onclick="x\ny\n:::\n'), /callout/);
    assertInert(render('::: info <img src=x onerror=alert(1)>\nx\n:::\n'));
  });

  void it('renders >! spoiler blocks and >| folds with their heading as summary', () => {
    const spoiler = render('>! The butler\n>! did *it*.\n\nAfter.\n');
    assert.equal(spoiler, '<details class="spoiler">\n<summary>Spoiler</summary>\n<p>The butler\ndid <em>it</em>.</p>\n</details>\n<p>After.</p>\n');
    const fold = render('>| # Headline is used as summary\n>| with the details folded.\n>|\n>| - a list\n');
    assert.match(fold, /^<details class="fold">\n<summary>Headline is used as summary<\/summary>\n<p>with the details folded\.<\/p>\n<ul>\n<li>a list<\/li>\n<\/ul>\n<\/details>/);
    assert.match(render('>| no heading\n'), /<details class="fold">\n<summary>Details<\/summary>\n<p>no heading<\/p>/);
    assert.match(render('> !quote\n'), /<blockquote>/, 'a quote starting with "!" after a space stays a quote');
    assertInert(render('>| # <img src=x onerror=alert(1)>\n>| <script>alert(1)</script>\n'));
  });

  void it('keeps details and summary', () => {
    assert.match(
      render('<details><summary>More</summary>\n\nHidden.\n\n</details>\n'),
      /<details><summary>More<\/summary>/,
    );
  });
});

void describe('RenderCache', () => {
  void it('evicts the least recently used entry', () => {
    const cache = new RenderCache<string>(2);
    cache.set('a', '1');
    cache.set('b', '2');
    assert.equal(cache.get('a'), '1');
    cache.set('c', '3');
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), '1');
    assert.equal(cache.get('c'), '3');
    assert.equal(cache.size, 2);
  });
});
