/**
 * The platform in real Chromium: a person signs up, creates a wiki from the dashboard, invites a second person as
 * editor; that person signs in and edits a page; the owner removes them, and the wiki is "not found" to them again.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { join } from 'node:path';
import { git, startServer, uniqueName, type TestServer } from './harness.js';
import { PASSWORD } from './web-support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let h: TestServer;
let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium (.ci/run does it).`);
  h = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await h?.close();
});

async function newPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors, close: () => context.close() };
}

async function signUpAndIn(page: Page, name: string): Promise<void> {
  await page.goto(`${h.url}/`);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Email').fill(`${name}@example.test`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.getByRole('link', { name: 'Sign in' }).last().click();
  await page.getByLabel('Username or email').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your wikis' }).waitFor();
}

void describe('platform in Chromium', { timeout: 120_000 }, () => {
  void it('sign up → create wiki → invite → the invitee edits → removed → 404', async () => {
    const owner = uniqueName('o');
    const guest = uniqueName('g');
    const a = await newPage();
    const b = await newPage();
    try {
      await signUpAndIn(a.page, owner);
      await a.page.getByLabel('Address').fill('field-notes');
      await a.page.getByLabel('Name', { exact: true }).fill('Field notes');
      await a.page.getByLabel('Purpose').fill('What we saw');
      await a.page.getByRole('button', { name: 'Create wiki' }).click();
      await a.page.waitForURL(`${h.url}/${owner}/field-notes/`);
      await a.page.getByRole('heading', { name: 'Field notes' }).first().waitFor();

      await signUpAndIn(b.page, guest);
      await a.page.goto(`${h.url}/`);
      await a.page.getByRole('link', { name: 'Settings' }).click();
      await a.page.getByLabel('Username or email').fill(guest);
      await a.page.getByLabel('Role', { exact: true }).selectOption('editor');
      await a.page.getByRole('button', { name: 'Add collaborator' }).click();
      await a.page.getByText('Collaborator added.').waitFor();

      await b.page.goto(`${h.url}/`);
      await b.page.getByRole('link', { name: 'Field notes' }).click();
      await b.page.waitForURL(`${h.url}/${owner}/field-notes/`);
      await b.page.goto(`${h.url}/${owner}/field-notes/-/edit/Guest_Note`);
      await b.page.locator('.cm-content').click();
      // Page functions run in the browser; written as a string because this project compiles without DOM types.
      await b.page.evaluate(`(() => { const v = window.wikibotEditor; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: "# Guest note\\n\\n" } }); })()`);
      await b.page.keyboard.press('Control+End');
      await b.page.keyboard.type('Seen by the guest.');
      await b.page.getByRole('button', { name: 'Save' }).click();
      await b.page.waitForURL(/Guest_Note\?notice=saved/);
      await b.page.goto(`${h.url}/${owner}/field-notes/Guest_Note`);
      await b.page.getByText('Seen by the guest.').waitFor();
      assert.match(git(join(h.dataDir, 'repos', owner, 'field-notes.git'), 'log', '-1', '--format=%an <%ae>'), new RegExp(`${guest}@example\\.test`));

      await a.page.getByRole('button', { name: `Remove ${guest}` }).click();
      await a.page.getByText('Collaborator removed.').waitFor();
      const gone = await b.page.goto(`${h.url}/${owner}/field-notes/Guest_Note`);
      assert.equal(gone?.status(), 404);
      await b.page.goto(`${h.url}/`);
      assert.equal(await b.page.getByRole('link', { name: 'Field notes' }).count(), 0);
      assert.deepEqual([...a.errors, ...b.errors], []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
