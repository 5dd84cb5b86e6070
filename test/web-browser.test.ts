/**
 * Browser tests of the web wiki in real Chromium (Debian's `chromium`, driven by playwright-core): sign in, write
 * with CodeMirror and preview, concurrent edits that merge and that conflict, history → diff → blame → revert,
 * rename with link updates, image drag-and-drop, search with the `/` shortcut, drafts, dark mode and a phone.
 * Screenshots of key pages go to `$TMPDIR/wikibot-web-artifacts/` (never committed).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant, PASSWORD } from './web-support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(tmpdir(), 'wikibot-web-artifacts');

let h: TestServer;
let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (.ci/run does it).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await h?.close();
});

async function signedInContext(name: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  // Fail fast: every step here takes milliseconds when it works.
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${h.url}/-/signin?next=/${name}/notes/`);
  await page.getByLabel('Username or email').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${h.url}/${name}/notes/`);
  (page as Page & { errors?: string[] }).errors = errors;
  return { context, page };
}

const BODY_BG = 'getComputedStyle(document.body).backgroundColor';
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Replaces the CodeMirror document the way a user's typing would, then types `typed` at the end. */
async function typeInEditor(page: Page, text: string, typed = ''): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // Page functions run in the browser; written as strings because this project compiles without DOM types.
  await page.evaluate(`(() => { const v = window.wikibotEditor; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: ${JSON.stringify(text)} } }); })()`);
  if (typed) {
    await page.keyboard.press('Control+End');
    await page.keyboard.type(typed);
  }
}

void describe('web wiki in Chromium', { timeout: 120_000 }, () => {
  void it('signs in, creates a page with WikiLinks in CodeMirror with live preview and completion, and saves', async () => {
    const t = await makeWebTenant(h, uniqueName('b'), 'private');
    const { context, page } = await signedInContext(t.name);
    try {
      await page.getByRole('link', { name: 'New page' }).click();
      await page.getByLabel('Page name').fill('Research/Plan');
      await page.locator('.cm-content').waitFor();
      await typeInEditor(page, '# Plan\n\nStart at ', '[[Hom');
      await page.locator('.cm-tooltip-autocomplete').getByText('Home', { exact: true }).waitFor();
      await page.keyboard.press('Enter');
      await page.keyboard.type(' and [[Later Page]].');
      await page.locator('.preview a.wikilink', { hasText: 'Home' }).waitFor();
      await page.locator('.preview a.wikilink.missing', { hasText: 'Later Page' }).waitFor();
      await shot(page, 'editor');
      await page.getByLabel('Commit message').fill('Plan the research');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/Research\/Plan\?notice=saved$/);
      assert.equal(await page.locator('article.content a.wikilink', { hasText: 'Home' }).getAttribute('href'), `/${t.name}/notes/Home`);
      assert.match((await page.locator('article.content a.wikilink.missing').getAttribute('href')) ?? '', /Later_Page\?action=create$/);
      assert.equal((await t.read('Research/Plan')).content, '# Plan\n\nStart at [[Home]] and [[Later Page]].');
      await shot(page, 'page-view');
      assert.deepEqual((page as Page & { errors?: string[] }).errors, []);
    } finally {
      await context.close();
    }
  });

  void it('a concurrent edit from a second browser merges; an overlapping one shows both sides to resolve', async () => {
    const t = await makeWebTenant(h, uniqueName('b'), 'private');
    await t.write('Shared', 'alpha\nbeta\ngamma\ndelta\n');
    const a = await signedInContext(t.name);
    const b = await signedInContext(t.name);
    try {
      await a.page.goto(`${h.url}${t.base}/-/edit/Shared`);
      await b.page.goto(`${h.url}${t.base}/-/edit/Shared`);
      await a.page.locator('.cm-content').waitFor();
      await b.page.locator('.cm-content').waitFor();
      await typeInEditor(b.page, 'ALPHA\nbeta\ngamma\ndelta\n');
      await b.page.getByRole('button', { name: 'Save' }).click();
      await b.page.waitForURL(/notice=saved/);
      await typeInEditor(a.page, 'alpha\nbeta\ngamma\nDELTA\n');
      await a.page.getByRole('button', { name: 'Save' }).click();
      await a.page.waitForURL(/notice=merged/);
      await a.page.getByText('were merged').waitFor();
      assert.equal((await t.read('Shared')).content, 'ALPHA\nbeta\ngamma\nDELTA\n');

      await a.page.goto(`${h.url}${t.base}/-/edit/Shared`);
      await b.page.goto(`${h.url}${t.base}/-/edit/Shared`);
      await typeInEditor(b.page, 'ALPHA\nbeta from B\ngamma\nDELTA\n');
      await b.page.getByRole('button', { name: 'Save' }).click();
      await b.page.waitForURL(/notice=saved/);
      await typeInEditor(a.page, 'ALPHA\nbeta from A\ngamma\nDELTA\n');
      await a.page.getByRole('button', { name: 'Save' }).click();
      await a.page.getByText('Someone else changed this page').waitFor();
      assert.match(await a.page.locator('.conflict-theirs pre').innerText(), /beta from B/);
      assert.match(await a.page.locator('.cm-content').innerText(), /beta from A/);
      assert.equal((await t.read('Shared')).content, 'ALPHA\nbeta from B\ngamma\nDELTA\n', 'nothing was overwritten');
      await shot(a.page, 'conflict');
      await typeInEditor(a.page, 'ALPHA\nbeta from A and B\ngamma\nDELTA\n');
      await a.page.getByRole('button', { name: 'Save' }).click();
      await a.page.waitForURL(/notice=saved/);
      assert.equal((await t.read('Shared')).content, 'ALPHA\nbeta from A and B\ngamma\nDELTA\n');
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  void it('history → diff → blame → revert, then rename with link updates', async () => {
    const t = await makeWebTenant(h, uniqueName('b'), 'private');
    const first = await t.write('Topic', 'one\ntwo\nthree\n');
    await t.write('Topic', 'one\ntwo and more\nthree\n', first.revision, 'Expand two');
    await t.write('Other', 'See [[Topic]].\n');
    const { context, page } = await signedInContext(t.name);
    try {
      await page.goto(`${h.url}${t.base}/Topic`);
      await page.getByRole('link', { name: 'History' }).click();
      await page.getByRole('button', { name: 'Compare selected revisions' }).click();
      await page.locator('td.code ins', { hasText: 'and more' }).waitFor();
      await page.getByRole('link', { name: 'Side by side' }).click();
      await page.locator('table.diff.split').waitFor();
      await shot(page, 'diff');
      await page.goto(`${h.url}${t.base}/-/blame/Topic`);
      assert.equal(await page.locator('td.commit').count(), 3);
      assert.match(await page.locator('td.commit').nth(1).innerText(), /Expand two/);
      await shot(page, 'blame');
      await page.goto(`${h.url}${t.base}/-/history/Topic`);
      await page.getByRole('button', { name: 'revert' }).first().click();
      await page.waitForURL(/\/-\/history\/Topic$/);
      assert.equal((await t.read('Topic')).content, 'one\ntwo\nthree\n');
      await page.goto(`${h.url}${t.base}/Topic`);
      await page.getByRole('link', { name: 'Rename' }).click();
      assert.equal(await page.locator('ul.will-change li').innerText(), 'Other');
      await page.getByLabel('New name').fill('Subject');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.waitForURL(/\/Subject\?notice=renamed&updated=1$/);
      assert.equal((await t.read('Other')).content, 'See [[Subject]].\n');
    } finally {
      await context.close();
    }
  });

  void it('uploads an image dropped into the editor and shows it on the page; keeps and restores a draft', async () => {
    const t = await makeWebTenant(h, uniqueName('b'), 'private');
    await t.write('Gallery', 'Pictures:\n');
    const { context, page } = await signedInContext(t.name);
    try {
      await page.goto(`${h.url}${t.base}/-/edit/Gallery`);
      await page.locator('.cm-content').waitFor();
      const png = '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d4944415478da63f8cfc0f01f0005000201e2f4a0e80000000049454e44ae426082';
      await page.evaluate(
        `((hex) => {
          const el = document.querySelector('.cm-content');
          const bytes = new Uint8Array(hex.match(/../g).map((b) => parseInt(b, 16)));
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], 'dot.png', { type: 'image/png' }));
          const rect = el.getBoundingClientRect();
          el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true, clientX: rect.left + 5, clientY: rect.bottom - 5 }));
        })(${JSON.stringify(png)})`,
      );
      await page.getByText('Uploaded dot.png.').waitFor();
      assert.match(await page.locator('.cm-content').innerText(), /!\[dot\.png\]\(\/.+\/-\/file\/Gallery\/dot\.png\)/);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/notice=saved/);
      const img = page.locator('article.content img');
      await img.waitFor();
      assert.equal(await page.evaluate(`(() => { const el = document.querySelector('article.content img'); return el.complete && el.naturalWidth; })()`), 1);

      // A draft survives closing the tab and is offered back.
      await page.goto(`${h.url}${t.base}/-/edit/Gallery`);
      await page.locator('.cm-content').waitFor();
      await typeInEditor(page, 'Unsaved thoughts\n');
      await page.waitForTimeout(1200);
      await page.close();
      const again = await context.newPage();
      await again.goto(`${h.url}${t.base}/-/edit/Gallery`);
      await again.getByRole('button', { name: 'Restore draft' }).click();
      assert.match(await again.locator('.cm-content').innerText(), /Unsaved thoughts/);
    } finally {
      await context.close();
    }
  });

  void it('searches with the / shortcut and opens a result; switches to dark mode; fits a phone', async () => {
    const t = await makeWebTenant(h, uniqueName('b'), 'private');
    await t.write('Findings/Uranium', 'Enrichment reached sixty percent.\n');
    const { context, page } = await signedInContext(t.name);
    try {
      await page.goto(`${h.url}${t.base}/`);
      await page.keyboard.press('/');
      assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'q');
      await page.keyboard.type('enrichment');
      await page.keyboard.press('Enter');
      await page.locator('.results mark', { hasText: /enrichment/i }).waitFor();
      await shot(page, 'search');
      await page.locator('.results a', { hasText: 'Uranium' }).click();
      await page.waitForURL(/\/Findings\/Uranium$/);
      await page.keyboard.press('e');
      await page.waitForURL(/\/-\/edit\/Findings\/Uranium$/);
      await page.goBack();

      const light = await page.evaluate(BODY_BG);
      await page.getByRole('button', { name: 'Switch dark mode' }).click();
      const dark = await page.evaluate(BODY_BG);
      assert.notEqual(dark, light);
      assert.equal(dark, 'rgb(21, 24, 28)');
      await page.reload();
      assert.equal(await page.evaluate(BODY_BG), 'rgb(21, 24, 28)', 'the choice is remembered');
      await shot(page, 'dark');
    } finally {
      await context.close();
    }
    const phone = await signedInContext(t.name, { viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true, hasTouch: true });
    try {
      await phone.page.goto(`${h.url}${t.base}/Findings/Uranium`);
      assert.equal(await phone.page.evaluate(BODY_BG), 'rgb(21, 24, 28)', 'follows the system');
      assert.equal(await phone.page.locator('#sidebar').isVisible(), false);
      const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
      await phone.page.getByRole('button', { name: 'Show pages' }).click();
      assert.equal(await phone.page.locator('#sidebar').isVisible(), true);
      await shot(phone.page, 'phone');
    } finally {
      await phone.context.close();
    }
  });
});
