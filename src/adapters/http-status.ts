/**
 * HTTP statuses of WikiError codes, shared by the adapters that answer over HTTP (REST JSON and web pages agree on
 * what a refusal means). Typed as a full record: a new code does not compile until it is mapped here. Also the
 * conditional-request check both answer with.
 */
import type { ErrorCode } from '../errors.js';

export const HTTP_STATUS: Record<ErrorCode, number> = {
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

/** Whether an `If-None-Match` header names `etag` (strongly or weakly) or `*`: then the answer is 304. */
export function etagMatches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  return String(ifNoneMatch ?? '')
    .split(/\s*,\s*/)
    .some((tag) => tag === etag || tag === `W/${etag}` || tag === '*');
}
