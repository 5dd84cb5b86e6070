/**
 * The web adapter's one table from WikiError codes to HTTP statuses of the HTML error page. Typed as a full record,
 * so a new code does not compile until it is mapped here too.
 */
import type { ErrorCode } from '../../errors.js';

export const WEB_STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_PATH: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  WIKI_NOT_FOUND: 404,
  WIKI_EXISTS: 409,
  USER_NOT_FOUND: 404,
  USER_EXISTS: 409,
  PAGE_NOT_FOUND: 404,
  PAGE_EXISTS: 409,
  SECTION_NOT_FOUND: 404,
  ATTACHMENT_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  REVISION_CONFLICT: 409,
  EDIT_NO_MATCH: 422,
  EDIT_AMBIGUOUS: 422,
  NOTHING_TO_REVERT: 409,
  QUOTA_EXCEEDED: 403,
  TOKEN_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  REPOSITORY_CORRUPT: 500,
  INTERNAL: 500,
};
