/**
 * Tests of code blocks and math in rendered markdown: server-side highlighting, line numbers, KaTeX typesetting,
 * the dollar rule that keeps prices as text, and XSS through TeX or forged markup.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFenceInfo } from './code-highlight.js';
import { renderMarkdown, type RenderContext } from './markdown.js';

const ctx: RenderContext = { owner: 'o', wiki: 'w', resolvePage: () => null };
const render = (md: string) => renderMarkdown(md, ctx).html;

void describe('fenced code', () => {
  void it('highlights a known language on the server with hljs-* spans only', () => {
    const html = render('```python\ndef f(x):\n    return "s"  # note\n```');
    assert.match(
      html,
      /<pre><code class="hljs language-python"><span class="hljs-keyword">def<\/span> <span class="hljs-title">f<\/span>/,
    );
    assert.match(html, /<span class="hljs-string">"s"<\/span>/);
    assert.match(html, /<span class="hljs-comment"># note<\/span>/);
    // highlight.js's sub-scope classes (`function_`, `class_`) are not on the allowlist.
    assert.doesNotMatch(html, /class="[^"]*\b(?!hljs)[a-z]+_\b/);
  });

  void it('knows common aliases (js, ts, sh, yml, html)', () => {
    for (const lang of ['js', 'ts', 'sh', 'yml', 'html', 'c++', 'rs', 'go', 'sql', 'json']) {
      assert.match(render(`\`\`\`${lang}\nx = 1 // a\n\`\`\``), /class="hljs language-/, lang);
    }
  });

  void it('leaves an unknown language or none as plain escaped code', () => {
    assert.equal(
      render('```klingon\n<b>&\n```'),
      '<pre><code class="language-klingon">&lt;b&gt;&amp;\n</code></pre>\n',
    );
    assert.equal(render('```\n<i>x</i>\n```'), '<pre><code>&lt;i&gt;x&lt;/i&gt;\n</code></pre>\n');
  });

  void it('escapes code inside highlighted output (no markup from the code itself)', () => {
    const html = render('```html\n<script>alert(1)</script><img src=x onerror=alert(1)>\n```');
    assert.doesNotMatch(html, /<script|<img/);
    assert.match(html, /<span class="hljs-tag">&lt;<span class="hljs-name">script<\/span>&gt;<\/span>/);
  });

  void it('adds a line-number gutter with `linenums` (or `{linenos}`), numbering every line', () => {
    const html = render('```python linenums\na = 1\nb = 2\nc = 3\n```');
    assert.match(
      html,
      /^<pre class="linenums"><span class="linenos" aria-hidden="true">1\n2\n3<\/span><code class="hljs language-python">/,
    );
    assert.match(
      render('```js {linenos}\nx\n```'),
      /<span class="linenos" aria-hidden="true">1<\/span><code class="hljs language-js">/,
    );
    assert.match(
      render('```linenums\nplain\ntext\n```'),
      /<span class="linenos" aria-hidden="true">1\n2<\/span><code>plain/,
    );
    assert.doesNotMatch(render('```python\na\n```'), /linenos/);
  });

  void it('parses the info string: language first, options after', () => {
    assert.deepEqual(parseFenceInfo('Python linenums'), { lang: 'python', lineNumbers: true });
    assert.deepEqual(parseFenceInfo('  rust  '), { lang: 'rust', lineNumbers: false });
    assert.deepEqual(parseFenceInfo('{linenos}'), { lang: '', lineNumbers: true });
    assert.deepEqual(parseFenceInfo(''), { lang: '', lineNumbers: false });
  });

  void it('drops forged gutter or hljs attributes from raw HTML but keeps allowed classes only', () => {
    const html = render(
      '<pre class="linenums evil"><span class="linenos hljs-keyword x" onclick="alert(1)">1</span></pre>',
    );
    assert.equal(html, '<pre class="linenums"><span class="linenos hljs-keyword">1</span></pre>');
  });
});

void describe('math', () => {
  void it('typesets $…$ inline, $$…$$ inline-display, $$ blocks and fenced math with KaTeX', () => {
    const inline = render('Energy $E=mc^2$ here.');
    assert.match(
      inline,
      /<span class="math math-inline"><span class="katex"><span class="katex-html" aria-hidden="true">/,
    );
    assert.match(inline, /<span class="mord mathnormal"[^>]*>E<\/span>/);
    assert.match(
      render('See $$\\frac{a}{b}$$ here.'),
      /<span class="math math-display"><span class="katex-display"><span class="katex">/,
    );
    assert.match(
      render('$$\n\\sqrt{x}\n$$'),
      /^<div class="math math-display"><span class="katex-display">.*<svg [^>]*viewbox="0 0 400000 1080"[^>]*><path d="M95,702/s,
    );
    assert.match(
      render('```math\n\\sum_{i=1}^n i\n```'),
      /^<div class="math math-display"><span class="katex-display">.*mop op-symbol large-op/s,
    );
  });

  void it('keeps KaTeX positioning styles (numeric lengths and colours only)', () => {
    const html = render('$\\frac{1}{2}$ and $\\textcolor{red}{x}$');
    assert.match(html, /style="height:[\d.]+em;vertical-align:-[\d.]+em"/);
    assert.match(html, /style="color:red"/);
  });

  void it('shows bad TeX as an inline error and renders the rest of the page', () => {
    const html = render('Before $\\frac{a$ after, and **bold**.');
    assert.match(
      html,
      /<span class="katex-error" title="ParseError: KaTeX parse error: [^"]*" style="color:#cc0000">\\frac\{a<\/span>/,
    );
    assert.match(html, /<strong>bold<\/strong>/);
  });

  void it('leaves dollars that are not math as text: space after the opening, before the closing, digit after it', () => {
    assert.equal(render('It costs $5 and $6 today.'), '<p>It costs $5 and $6 today.</p>\n');
    assert.equal(render('From $ 5 to 6 $ or $10, or $20.'), '<p>From $ 5 to 6 $ or $10, or $20.</p>\n');
    assert.equal(render('Between $1 and $2.'), '<p>Between $1 and $2.</p>\n');
    assert.equal(render('A lone $ sign.'), '<p>A lone $ sign.</p>\n');
    assert.equal(render('Escaped \\$x\\$ stays.'), '<p>Escaped $x$ stays.</p>\n');
    assert.equal(render('Inside code `$x$` stays.'), '<p>Inside code <code>$x$</code> stays.</p>\n');
    assert.match(render('Real $x$ math.'), /katex/);
  });

  void it('neutralises links, classes, ids, styles and images asked for through TeX (trust is off)', () => {
    const attacks = [
      '$\\href{javascript:alert(1)}{click}$',
      '$\\url{javascript:alert(1)}$',
      '$\\htmlClass{header-anchor wikilink}{x}$',
      '$\\htmlId{main}{x}$',
      '$\\htmlStyle{position:fixed;top:0;background:url(javascript:alert(1))}{x}$',
      '$\\htmlData{foo=bar}{x}$',
      '$\\includegraphics{https://evil.example/x.png}$',
      '$\\text{<img src=x onerror=alert(1)>}$',
      '$\\color{url(javascript:alert(1))}{x}$',
      '$$\\href{data:text/html,<script>alert(1)</script>}{x}$$',
    ];
    for (const tex of attacks) {
      // An error's title quotes the TeX as attribute text; only markup matters here.
      const html = render(tex).replace(/ title="[^"<>]*"/g, '');
      assert.doesNotMatch(
        html,
        /<a\b|<img\b|<script|\shref="|\ssrc="|"javascript:|style="[^"]*(?:url\(|position:fixed)|data-foo|id="main"|class="[^"]*header-anchor/,
        tex,
      );
      assert.match(html, /class="math/, tex);
    }
  });

  void it('does not let page text forge a formula placeholder or KaTeX markup', () => {
    const html = render('wbmath-000000000000-0-wbmath $x$ <span class="katex" style="position:fixed">y</span>');
    assert.match(html, /^<p>wbmath-000000000000-0-wbmath <span class="math math-inline"><span class="katex">/);
    assert.match(html, /<span>y<\/span><\/p>\n$/);
  });

  void it('caps sizes so TeX cannot cover the page', () => {
    const html = render('$\\rule{10000em}{10000em}$');
    const sizes = [...html.matchAll(/(?:height|width|border-right-width|border-top-width):([\d.]+)em/g)].map((m) =>
      Number(m[1]),
    );
    assert.ok(sizes.length > 0);
    assert.ok(
      sizes.every((n) => n <= 50),
      sizes.join(','),
    );
  });

  void it('leaves math out of the table of contents text but renders it in the heading', () => {
    const r = renderMarkdown('## Area $\\pi r^2$', ctx);
    assert.match(r.html, /<h2 [^>]*>Area <span class="math math-inline"><span class="katex">/);
    assert.equal(r.toc[0]?.text, 'Area');
  });
});
