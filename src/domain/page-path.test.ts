// Unit tests of the page path and attachment name rules: every refusal has its own test and message.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WikiError } from '../errors.js';
import {
  attachmentFolder,
  pageFile,
  pageKey,
  pagePathFromFile,
  pageTitleFromPath,
  parseAttachmentName,
  parseAttachmentPath,
  parsePagePath,
  tryParsePagePath,
} from './page-path.js';

function refusesPath(input: string, reason: RegExp): void {
  assert.throws(
    () => parsePagePath(input),
    (err: unknown) => {
      assert.ok(err instanceof WikiError);
      assert.equal(err.code, 'INVALID_PATH');
      assert.ok(err.message.includes(JSON.stringify(input)), `message quotes the input: ${err.message}`);
      assert.match(err.message, reason);
      return true;
    },
  );
  assert.equal(tryParsePagePath(input), null);
}

function refusesName(input: string, reason: RegExp): void {
  assert.throws(
    () => parseAttachmentName(input),
    (err: unknown) => {
      assert.ok(err instanceof WikiError);
      assert.equal(err.code, 'INVALID_PATH');
      assert.ok(err.message.includes(JSON.stringify(input)), `message quotes the input: ${err.message}`);
      assert.match(err.message, reason);
      return true;
    },
  );
}

void describe('parsePagePath', () => {
  void it('keeps case, trims the input and turns spaces into underscores', () => {
    assert.equal(parsePagePath('  Actors/Iran Regime '), 'Actors/Iran_Regime');
    assert.equal(parsePagePath('Home'), 'Home');
    assert.equal(parsePagePath('Événements/Été_2026'), 'Événements/Été_2026');
    assert.equal(parsePagePath('Notes/v2.0'), 'Notes/v2.0');
  });

  void it('refuses an empty path', () => refusesPath('   ', /empty/));
  void it('refuses an empty segment', () => refusesPath('a//b', /empty segment/));
  void it('refuses a trailing slash', () => refusesPath('a/', /ends with "\/"/));
  void it('refuses a leading slash', () => refusesPath('/a', /starts with "\/"/));
  void it('refuses a segment starting with a dot', () => refusesPath('a/.hidden', /starts with "\."/));
  void it('refuses ".." as a segment', () => refusesPath('a/../b', /"\.\."/));
  void it('refuses ".." inside a segment', () => refusesPath('a..b', /"\.\."/));
  void it('refuses a ".git" segment', () => refusesPath('a/.git/b', /starts with "\."/));
  void it('refuses a segment ending in .git, any case', () => refusesPath('Repo.GIT', /\.git/));
  void it('refuses control characters', () => refusesPath('a\tb', /control character/));
  void it('refuses DEL', () => refusesPath('a\u007fb', /control character/));
  void it('refuses a backslash', () => refusesPath('a\\b', /backslash/));
  for (const c of ['#', '?', '%', '*', ':', '<', '>', '|', '"']) {
    void it(`refuses "${c}" and says why`, () => refusesPath(`a${c}b`, /break URLs/));
  }
  void it('refuses a trailing .md', () => refusesPath('Actors/Iran.md', /\.md/));
  void it('refuses a segment over 255 bytes', () => refusesPath(`a/${'é'.repeat(128)}`, /255 bytes/));
  void it('accepts a segment of exactly 255 bytes', () =>
    assert.equal(parsePagePath('x'.repeat(255)), 'x'.repeat(255)));
  void it('refuses a path over 1024 bytes', () => refusesPath(Array(6).fill('x'.repeat(200)).join('/'), /1024 bytes/));
});

void describe('page path helpers', () => {
  void it('pageKey lowercases and treats spaces as underscores', () => {
    assert.equal(pageKey('Actors/Iran Regime'), 'actors/iran_regime');
    assert.equal(pageKey('Actors/IRAN_regime'), 'actors/iran_regime');
  });
  void it('maps pages to files and back', () => {
    assert.equal(pageFile('Actors/Iran'), 'Actors/Iran.md');
    assert.equal(pagePathFromFile('Actors/Iran.md'), 'Actors/Iran');
    assert.equal(pagePathFromFile('Actors/Iran/map.png'), null);
    assert.equal(pagePathFromFile('.md'), null);
  });
  void it('derives titles and attachment folders', () => {
    assert.equal(pageTitleFromPath('Actors/Iran_Regime'), 'Iran Regime');
    assert.equal(pageTitleFromPath('Home'), 'Home');
    assert.equal(attachmentFolder('Actors/Iran'), 'Actors/Iran/');
  });
});

void describe('parseAttachmentName', () => {
  void it('accepts a file name and turns spaces into underscores', () => {
    assert.equal(parseAttachmentName(' war map.png '), 'war_map.png');
  });
  void it('refuses an empty name', () => refusesName('', /empty/));
  void it('refuses a slash', () => refusesName('a/b.png', /"\/"/));
  void it('refuses a backslash', () => refusesName('a\\b.png', /backslash/));
  void it('refuses ".."', () => refusesName('a..png', /"\.\."/));
  void it('refuses a leading dot', () => refusesName('.env', /starts with "\."/));
  void it('refuses control characters', () => refusesName('a\nb.png', /control character/));
  void it('refuses names over 255 bytes', () => refusesName(`${'x'.repeat(252)}.png`, /255 bytes/));
  void it('refuses .md names, which are pages', () => refusesName('notes.MD', /reserved for pages/));
  void it('refuses URL-breaking characters', () => refusesName('a#1.png', /break URLs/));
  void it('builds the full path of an attachment', () => {
    assert.equal(parseAttachmentPath('Actors/Iran', 'map 1.png'), 'Actors/Iran/map_1.png');
    assert.throws(() => parseAttachmentPath('Actors/../x', 'a.png'), { code: 'INVALID_PATH' });
  });
});
