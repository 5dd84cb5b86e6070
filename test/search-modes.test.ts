/**
 * Search modes over HTTP: case-sensitive and regular-expression search in the web wiki (`case=1`, `regex=1`) and the
 * REST API (`case_sensitive=true`, `regex=true`), a bad pattern refused with a clear message, and no wiki of someone
 * else readable through them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, createPage, makeTenant, startServer, uniqueName, type TestServer } from './harness.js';
import { makeWebTenant } from './web-support.js';

let h: TestServer;

/** The pages listed as results, in order (the sidebar links to every page, so only the results list counts). */
const results = (text: string) =>
  [...(/<ol class="results">([\s\S]*?)<\/ol>/.exec(text)?.[1] ?? '').matchAll(/<li><a href="\/[^"]+\/notes\/([^"]+)">/g)].map((m) => m[1]);

before(async () => {
  h = await startServer();
});
after(() => h.close());

void describe('search modes in the web wiki', () => {
  void it('matches the case as typed, or a regular expression, name matches first, with the matching lines', async () => {
    const t = await makeWebTenant(h, uniqueName('sm'));
    await t.write('Misc', '# Misc\n\nThe NATO summit.\n\nLater, NATO again.\n');
    await t.write('Lower', '# Lower\n\nthe nato summit, lower case\n');
    await t.write('NATO', '# NATO\n\nAn alliance.\n');
    const words = await t.client.get(`${t.base}/-/search?q=nato`);
    assert.ok(results(words.text).includes('Lower'), 'the default search ignores case');

    const exact = await t.client.get(`${t.base}/-/search?q=NATO&case=1`);
    assert.equal(exact.status, 200);
    assert.match(exact.text, /<input type="checkbox" name="case" value="1" checked>/);
    assert.deepEqual(results(exact.text), ['NATO', 'Misc']);
    assert.match(exact.text, /The <mark>NATO<\/mark> summit\. … Later, <mark>NATO<\/mark> again\./);

    const regex = await t.client.get(`${t.base}/-/search?q=${encodeURIComponent('^the n\\w+ summit')}&regex=1`);
    assert.match(regex.text, /<input type="checkbox" name="regex" value="1" checked>/);
    assert.deepEqual(results(regex.text).sort(), ['Lower', 'Misc']);
  });

  void it('shows why a regular expression is refused, and lists nothing', async () => {
    const t = await makeWebTenant(h, uniqueName('sm'));
    await t.write('Misc', 'text (x\n');
    const head = t.head();
    const bad = await t.client.get(`${t.base}/-/search?q=${encodeURIComponent('(x')}&regex=1`);
    assert.equal(bad.status, 200);
    assert.match(bad.text, /<p class="banner error" role="alert">The regular expression is not valid: [^<]*Unterminated group/);
    assert.doesNotMatch(bad.text, /<ol class="results">/);
    const literal = await t.client.get(`${t.base}/-/search?q=${encodeURIComponent('(x')}&case=1`);
    assert.match(literal.text, /text <mark>\(x<\/mark>/, 'without regex the same text is searched literally');
    assert.equal(t.head(), head);
  });
});

void describe('search modes in the REST API', () => {
  void it('answers case-sensitive and regex searches, and 400 for a bad pattern or mode', async () => {
    const t = await makeTenant(h, uniqueName('smr'));
    await createPage(t, 'Upper', 'Alpha BETA gamma\n');
    await createPage(t, 'Lower', 'alpha beta gamma\n');
    const exact = await t.api('GET', '/search?q=BETA&case_sensitive=true');
    assert.equal(exact.status, 200, exact.text);
    assert.deepEqual(exact.json.results?.map((r) => r.path), ['Upper']);
    assert.equal(exact.json.results?.[0]?.snippet, 'Alpha <mark>BETA</mark> gamma');
    const regex = await t.api('GET', `/search?q=${encodeURIComponent('alpha\\s+b')}&regex=true`);
    assert.deepEqual(regex.json.results?.map((r) => r.path).sort(), ['Lower', 'Upper']);
    assertError(await t.api('GET', `/search?q=${encodeURIComponent('[a-')}&regex=true`), 400, 'INVALID_INPUT', /regular expression is not valid/);
    assertError(await t.api('GET', '/search?q=beta&regex=yes'), 400, 'INVALID_INPUT');
  });

  void it('finds nothing in a wiki the caller may not read, whatever the pattern', async () => {
    const owner = await makeTenant(h, uniqueName('smo'));
    const other = await makeTenant(h, uniqueName('smx'));
    await createPage(owner, 'Secret', 'the secret plan\n');
    for (const q of ['secret&regex=true', 'secret&case_sensitive=true', '(bad&regex=true']) {
      const res = await h.request('GET', `${owner.base}/search?q=${q}`, { token: other.writeToken });
      assertError(res, 404, 'WIKI_NOT_FOUND');
    }
  });
});
