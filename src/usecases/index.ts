// What a user can do: every adapter (REST, MCP, web, git) calls these and nothing below them.
export { authenticateToken, createToken, createUser, signIn, tokenOwner } from './accounts.js';
export type { CreateTokenInput, CreateUserInput } from './accounts.js';
export { deleteAttachment, downloadAttachment, listAttachments, renameAttachment, uploadAttachment } from './attachments.js';
export { attachmentHistory, listAttachmentDetails, type AttachmentChange } from './attachments.js';
export { attachmentThumbnail, THUMBNAIL_SIZES, type RenderedThumbnail } from './thumbnails.js';
export { commitDetails, type CommitFileView } from './commit-view.js';
export { consentOffer, forgetGrant, listConnectedApps, recordConsent, revokeConnectedApp } from './connected-apps.js';
export type { ConnectedApp, ConsentChoice, ConsentOffer, ConsentRequest, RecordedConsent } from './connected-apps.js';
export { outlineOf, pageOutlines, type OutlineEntry } from './outline.js';
export type { AttachmentInfo } from './attachments.js';
export type { CommitSummary } from './commit.js';
export { pageBlame, pageDiff, pageHistory, recentChanges, revertCommit } from './history.js';
export { createWikiFromTemplate, remoteUrlOptions, type CreateFromTemplateInput, type TemplateOptions } from './git-template.js';
export { getSync, linkSync, runSyncNow, syncAttentionFor, syncNeedsAttention, syncWiki, unlinkSync, type SyncLinkInput, type SyncStatus } from './git-sync.js';
export { beginPush, MAIN_REF, PushSession, type PushedObjects, type RefUpdate } from './git-push.js';
export { deletePage, editPage, editPageSection, readPage, renamePage, renderPreview, writePage } from './pages.js';
export type { PageView, WriteResult } from './pages.js';
export { brokenLinks, linkGraph, listPages, orphanPages, pageLinks, searchWiki, stalePages, type PageSummary } from './queries.js';
export { closeServices, openServices } from './services.js';
export type { Logger, Services } from './services.js';
export { createWiki, reindexWiki } from './wikis.js';
export { describeWikiFor, listWikisFor, type WikiListing } from './wikis-list.js';
export { wikiAccess } from './wiki-access.js';
export {
  acceptInvitations,
  addCollaborator,
  changeCollaboratorRole,
  deleteWiki,
  describeAccount,
  describeWiki,
  listCollaborators,
  removeCollaborator,
  updateWikiSettings,
} from './management.js';
export type { AccountView, Collaborator, WikiDetails, WikiUsage } from './management.js';
export { deleteAccount, exportAccount, issueToken, listMyTokens, removeAccount, revokeMyToken, setUserDisabled, setUserTier } from './account.js';
export type { AccountExport, TokenView } from './account.js';
export type { WikiRef } from './wiki-access.js';
export { endSession, listSessions, openSession, resumeSession, revokeSession, sessionCsrfToken, SESSION_IDLE_MS, startSession } from './sessions.js';
export type { ResolvedSession, StartedSession } from './sessions.js';
export { cancelEmailChange, confirmEmailChange, describeCredentials, requestEmailChange, resendVerification, setPassword, signedInRecently } from './credentials.js';
export type { CredentialContext, CredentialStatus, ResendOutcome } from './credentials.js';
export { completeOidcLogin, listLinkedIdentities, providerOf, unlinkIdentity } from './oidc-login.js';
export type { LinkedIdentity, OidcClaims, OidcOutcome } from './oidc-login.js';
