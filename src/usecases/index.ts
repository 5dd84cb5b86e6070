// What a user can do: every adapter (REST, MCP, web, git) calls these and nothing below them.
export { authenticateToken, createToken, createUser, signIn } from './accounts.js';
export type { CreateTokenInput, CreateUserInput } from './accounts.js';
export { deleteAttachment, downloadAttachment, listAttachments, renameAttachment, uploadAttachment } from './attachments.js';
export type { AttachmentInfo } from './attachments.js';
export type { CommitSummary } from './commit.js';
export { pageBlame, pageDiff, pageHistory, recentChanges, revertCommit } from './history.js';
export { beginPush, MAIN_REF, PushSession, type PushedObjects, type RefUpdate } from './git-push.js';
export { deletePage, editPage, editPageSection, readPage, renamePage, renderPreview, writePage } from './pages.js';
export type { PageView, WriteResult } from './pages.js';
export { brokenLinks, linkGraph, listPages, orphanPages, pageLinks, searchWiki, stalePages } from './queries.js';
export { closeServices, openServices } from './services.js';
export type { Logger, Services } from './services.js';
export { createWiki, reindexWiki } from './wikis.js';
export { describeWikiFor, listWikisFor, type WikiListing } from './wikis-list.js';
export { wikiAccess } from './wiki-access.js';
export type { WikiRef } from './wiki-access.js';
