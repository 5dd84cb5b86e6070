/**
 * The git adapter's one table from WikiError codes to what a git client shows. Before git runs, a refusal is an HTTP
 * status (401 makes git ask for credentials, 404 says "not found") or, where the client would only print a bare
 * status, an `ERR` packet git prints as `fatal: remote error: …`. During a push, the refusal is the pre-receive
 * hook's output, which git prints as `remote: …` lines above `! [remote rejected] main`. A test checks every code.
 */
import type { ErrorCode } from '../../errors.js';

export interface GitErrorShape {
  /** HTTP status when the error happens before git runs; 200 means "answer with an ERR packet". */
  status: 200 | 400 | 401 | 404 | 413 | 500;
  /** First words of the line the client sees. */
  label: string;
}

export const GIT_ERRORS: Record<ErrorCode, GitErrorShape> = {
  INVALID_INPUT: { status: 200, label: 'refused' },
  INVALID_PATH: { status: 200, label: 'invalid name' },
  PAYLOAD_TOO_LARGE: { status: 413, label: 'too large' },
  UNAUTHORIZED: { status: 401, label: 'authentication required' },
  FORBIDDEN: { status: 200, label: 'permission denied' },
  WIKI_NOT_FOUND: { status: 404, label: 'not found' },
  WIKI_EXISTS: { status: 200, label: 'refused' },
  USER_NOT_FOUND: { status: 404, label: 'not found' },
  USER_EXISTS: { status: 200, label: 'refused' },
  PAGE_NOT_FOUND: { status: 200, label: 'refused' },
  PAGE_EXISTS: { status: 200, label: 'refused' },
  SECTION_NOT_FOUND: { status: 200, label: 'refused' },
  ATTACHMENT_NOT_FOUND: { status: 200, label: 'refused' },
  REVISION_NOT_FOUND: { status: 200, label: 'refused' },
  REVISION_CONFLICT: { status: 200, label: 'rejected' },
  EDIT_NO_MATCH: { status: 200, label: 'refused' },
  EDIT_AMBIGUOUS: { status: 200, label: 'refused' },
  NOTHING_TO_REVERT: { status: 200, label: 'refused' },
  QUOTA_EXCEEDED: { status: 200, label: 'over quota' },
  TOKEN_NOT_FOUND: { status: 200, label: 'not found' },
  RATE_LIMITED: { status: 200, label: 'too many requests' },
  REPOSITORY_CORRUPT: { status: 500, label: 'server error' },
  INTERNAL: { status: 500, label: 'server error' },
};

/** The text a git user reads: `<label>: <message>`. */
export function gitErrorText(code: ErrorCode, message: string): string {
  return `${GIT_ERRORS[code].label}: ${message}`;
}
