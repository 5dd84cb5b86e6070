// Unit tests of the new-wiki pages: substitution, valid front matter, and links that resolve among them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapPages, DEFAULT_CATEGORIES } from './bootstrap.js';
import { splitFrontmatter } from './frontmatter.js';
import { analyzePage } from './page.js';
import { pageKey, parsePagePath } from './page-path.js';

const input = {
  owner: 'alice',
  slug: 'gulf-watch',
  name: 'Gulf Watch',
  purpose: 'Tracking security and energy politics in the Persian Gulf.',
  categories: ['actor', 'event', 'scenario', 'reference', 'index'],
  date: '2026-02-01',
};

void describe('bootstrapPages', () => {
  void it('creates Home, the usage guide and the page template', () => {
    assert.deepEqual(
      bootstrapPages(input).map((p) => p.path),
      ['Home', 'Meta/Wiki_Usage_Guide', 'Meta/Page_Template'],
    );
  });

  void it('fills in the name, purpose and categories', () => {
    const [home, guide, template] = bootstrapPages(input);
    assert.ok(home && guide && template);
    for (const page of [home, guide]) {
      assert.ok(page.content.includes('Gulf Watch'), page.path);
      assert.ok(page.content.includes(input.purpose), page.path);
      assert.ok(page.content.includes('`scenario`'), page.path);
    }
    assert.ok(guide.content.includes('alice/gulf-watch'));
    assert.ok(template.content.includes('actor, event, scenario, reference, index'));
    assert.ok(!guide.content.includes('`hypothesis`'), 'only the wiki’s own categories are listed');
  });

  void it('gives every page valid front matter with a category from the set and the date', () => {
    for (const page of bootstrapPages(input)) {
      assert.equal(parsePagePath(page.path), page.path);
      const { frontmatter, error } = splitFrontmatter(page.content);
      assert.equal(error, null, page.path);
      assert.equal(frontmatter.last_updated, '2026-02-01', page.path);
      assert.ok(input.categories.includes(String(frontmatter.category)), page.path);
      assert.equal(typeof frontmatter.title, 'string', page.path);
    }
  });

  void it('links only to pages among themselves, and Home links to the guide and template', () => {
    const pages = bootstrapPages(input);
    const keys = new Set(pages.map((p) => pageKey(p.path)));
    const base = { owner: input.owner, wiki: input.slug };
    for (const page of pages) {
      for (const link of analyzePage(page.path, page.content, base).links) {
        assert.ok(keys.has(link.targetKey), `${page.path} links to missing ${link.target}`);
      }
    }
    const homeLinks = analyzePage('Home', pages[0]?.content ?? '', base).links.map((l) => l.target);
    assert.deepEqual(homeLinks, ['Meta/Wiki_Usage_Guide', 'Meta/Page_Template']);
  });

  void it('teaches the assistant the tools, the protocol and the conventions', () => {
    const guide = bootstrapPages(input)[1]?.content ?? '';
    const tools = [
      'read_note',
      'read_notes',
      'write_note',
      'edit_note',
      'edit_section',
      'list_notes',
      'search_notes',
      'get_links',
      'get_recent_changes',
      'get_history',
      'diff_note',
      'rename_note',
      'delete_note',
      'find_orphaned_notes',
      'find_broken_links',
      'find_stale_notes',
      'list_attachments',
      'upload_attachment',
      'download_attachment',
      'delete_attachment',
      'list_wikis',
    ];
    for (const tool of tools) assert.ok(guide.includes(`\`${tool}\``), tool);
    for (const needle of [
      'Session start protocol',
      '250–800 words',
      'Verb: Page — why',
      'Always pass the revision you read',
      '`[[Page|shown text]]`',
      '`[[Page#Heading]]`',
      '`confidence`',
      '`archived`',
      'find_orphaned_notes',
      '/api/v1/openapi.json',
      'Search first',
    ]) {
      assert.ok(guide.includes(needle), needle);
    }
  });

  void it('uses the default categories and today when none are given', () => {
    const pages = bootstrapPages({ ...input, categories: [], date: undefined });
    const guide = pages[1]?.content ?? '';
    for (const c of DEFAULT_CATEGORIES) assert.ok(guide.includes(`\`${c}\``), c);
    assert.equal(
      splitFrontmatter(pages[0]?.content ?? '').frontmatter.last_updated,
      new Date().toISOString().slice(0, 10),
    );
  });
});
