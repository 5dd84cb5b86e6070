/**
 * Code blocks and math in the web wiki: KaTeX's stylesheet and fonts served by us and linked only on pages with math
 * (whose CSP then allows inline style attributes, nothing more), and in Chromium: typeset math with its fonts, and
 * the copy button on code blocks writing the code to the clipboard with a visible "Copied" state.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant, PASSWORD } from './web-support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let h: TestServer;

before(async () => {
  h = await startServer();
});
after(async () => {
  await h?.close();
});

const MATH_PAGE = '# Notes\n\nEuler: $e^{i\\pi} + 1 = 0$, and it costs $5 and $6.\n\n$$\n\\sqrt{x^2+1}\n$$\n';
const CODE_PAGE = '# Code\n\n```python linenums\ndef f(x):\n    return x < 1\n```\n';

void describe('code and math in the web wiki', () => {
  void it('links KaTeX CSS and allows style attributes only on pages with math', async () => {
    const t = await makeWebTenant(h, uniqueName('km'));
    await t.write('Math', MATH_PAGE);
    await t.write('Code', CODE_PAGE);
    const math = await t.client.get(`${t.base}/Math`);
    assert.equal(math.status, 200);
    assert.match(math.text, /<link rel="stylesheet" href="\/-\/assets\/katex\.css\?v=[0-9a-f]{12}">/);
    assert.match(math.text, /<span class="math math-inline"><span class="katex">/);
    assert.match(math.text, /it costs \$5 and \$6\./);
    assert.match(
      math.headers.get('content-security-policy') ?? '',
      /; style-src 'self'; style-src-attr 'unsafe-inline'; /,
    );

    const code = await t.client.get(`${t.base}/Code`);
    assert.equal(code.status, 200);
    assert.doesNotMatch(code.text, /katex\.css/);
    assert.doesNotMatch(code.headers.get('content-security-policy') ?? '', /style-src-attr|unsafe-inline/);
    assert.match(
      code.text,
      /<pre class="linenums"><span class="linenos" aria-hidden="true">1\n2<\/span><code class="hljs language-python"><span class="hljs-keyword">def<\/span>/,
    );
  });

  void it('serves katex.css with every font it names, woff2 only, from our own assets', async () => {
    const css = await fetch(`${h.url}/-/assets/katex.css?v=1`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const text = await css.text();
    const urls = [...text.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.equal(urls.length, 20);
    assert.doesNotMatch(text, /\.woff\)|\.ttf\)|fonts\/|https?:/);
    for (const url of urls) {
      const font = await fetch(new URL(url, `${h.url}/-/assets/katex.css`));
      assert.equal(font.status, 200, url);
      assert.equal(font.headers.get('content-type'), 'font/woff2');
      assert.equal(font.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await font.arrayBuffer()).byteLength > 1000);
    }
    assert.equal((await fetch(`${h.url}/-/assets/KaTeX_Nope.woff2`)).status, 404);
    assert.equal((await fetch(`${h.url}/-/assets/KaTeX_Main-Regular.woff`)).status, 404);
  });

  void it(
    'in Chromium: math typeset with KaTeX fonts, no CSP errors, and the copy button copies code',
    { timeout: 60_000 },
    async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (.ci/run does it).`);
      const t = await makeWebTenant(h, uniqueName('kb'));
      await t.write('Both', `${MATH_PAGE}\n${CODE_PAGE.replace('# Code', '## Code')}`);
      const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      try {
        const context = await browser.newContext();
        context.setDefaultTimeout(8000);
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
        });
        page.on('response', (r) => {
          if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
        });
        await page.goto(`${h.url}/-/signin?next=${t.base}/Both`);
        await page.getByLabel('Username or email').fill(t.name);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${h.url}${t.base}/Both`);

        // Page functions are strings: this project compiles without DOM types.
        await page.evaluate('document.fonts.ready');
        assert.equal(
          await page.evaluate(`document.fonts.check('1em KaTeX_Main') && document.fonts.check('1em KaTeX_Math')`),
          true,
        );
        assert.match(
          String(await page.evaluate(`getComputedStyle(document.querySelector('.katex')).fontFamily`)),
          /KaTeX_Main/,
        );
        // The inline styles KaTeX positions with are applied: a superscript sits above the baseline.
        assert.notEqual(
          await page.evaluate(`getComputedStyle(document.querySelector('.katex .vlist > span')).top`),
          'auto',
        );

        const button = page.locator('.code-wrap button.copy-code');
        assert.equal(await button.count(), 1);
        assert.equal(await button.textContent(), 'Copy');
        await button.click();
        await page.locator('.code-wrap button.copy-code.copied', { hasText: 'Copied' }).waitFor();
        assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'def f(x):\n    return x < 1\n');
        // The state goes back after a moment.
        await page.locator('.code-wrap button.copy-code:not(.copied)', { hasText: 'Copy' }).waitFor();
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    },
  );
});
