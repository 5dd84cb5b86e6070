/**
 * The wiki domain: page paths, front matter, WikiLinks, sections, rendering, edits, diffs and the new-wiki template.
 * Pure functions — no I/O — so every adapter and use case can share them.
 */
export {
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
export { joinFrontmatter, splitFrontmatter } from './frontmatter.js';
export type { SplitFrontmatter } from './frontmatter.js';
export { extractLinks, parseWikiLink, rewriteLinks } from './wikilinks.js';
export type { ExtractedLink, ParsedWikiLink, WikiBase, WikiLinkOrder } from './wikilinks.js';
export { editSection, findSection, listSections, readSection } from './sections.js';
export type { Section, SectionEditMode } from './sections.js';
export { RenderCache, renderMarkdown, sanitizePageHtml, slugify } from './markdown.js';
export type { RenderContext, RenderResult, TocEntry } from './markdown.js';
export { analyzePage } from './page.js';
export type { PageAnalysis } from './page.js';
export { replaceUnique } from './edit.js';
export { diffHunks, diffStats, unifiedDiff } from './diff.js';
export type { DiffHunk, DiffLine, UnifiedDiffOptions } from './diff.js';
export { bootstrapPages, DEFAULT_CATEGORIES, HOME_PAGE, PAGE_TEMPLATE_PAGE, USAGE_GUIDE_PAGE } from './bootstrap.js';
export type { BootstrapInput, BootstrapPage } from './bootstrap.js';
export { mergeText } from './merge.js';
export type { MergeResult } from './merge.js';
