/**
 * WikiError: the one error type lower layers throw. Codes say what went wrong in domain terms; each adapter maps
 * them to its own shape (REST status, MCP tool error, git `ng` line) through one table.
 */

export const ERROR_CODES = [
  'INVALID_INPUT', // a request field is malformed (bad JSON, wrong type, too long)
  'INVALID_PATH', // a page path or attachment name breaks the naming rules
  'PAYLOAD_TOO_LARGE', // a body over its size limit
  'UNAUTHORIZED', // no credential, or a bad/expired one
  'FORBIDDEN', // authenticated, may see the wiki, but may not do this
  'WIKI_NOT_FOUND', // no such wiki, or one the caller may not see
  'WIKI_EXISTS',
  'USER_NOT_FOUND',
  'USER_EXISTS',
  'PAGE_NOT_FOUND',
  'PAGE_EXISTS', // rename onto an existing page
  'SECTION_NOT_FOUND',
  'ATTACHMENT_NOT_FOUND',
  'REVISION_NOT_FOUND', // unknown revision, ambiguous prefix, or a revision of another page
  'REVISION_CONFLICT', // the page changed since the caller's revision and the changes overlap
  'EDIT_NO_MATCH', // old_string not found
  'EDIT_AMBIGUOUS', // old_string found more than once
  'NOTHING_TO_REVERT',
  'QUOTA_EXCEEDED',
  'TOKEN_NOT_FOUND', // no access token with that id among the caller's
  'RATE_LIMITED', // too many requests from one user or address; retry after the time given
  'REPOSITORY_CORRUPT', // a wiki's repository cannot be read
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class WikiError extends Error {
  override readonly name = 'WikiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isWikiError(err: unknown, code?: ErrorCode): err is WikiError {
  return err instanceof WikiError && (code === undefined || err.code === code);
}
