/**
 * The MCP adapter's one table from WikiError codes to tool errors: every code becomes an `isError` result whose text
 * tells the assistant what happened and what to do next. A test checks that every code is mapped.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorCode } from '../../errors.js';
import { isWikiError, type WikiError } from '../../errors.js';
import type { Logger } from '../../usecases/index.js';

const short = (rev: unknown): string => (typeof rev === 'string' ? rev.slice(0, 12) : '?');

/** The advice appended to (or replacing) the use case's message, per code. */
export const MCP_ERROR_ADVICE: Record<ErrorCode, (e: WikiError) => string> = {
  INVALID_INPUT: (e) => e.message,
  INVALID_PATH: (e) => `${e.message} Nothing was changed; fix the path (e.g. "Actors/Iran_Regime") and try again.`,
  PAYLOAD_TOO_LARGE: (e) => `${e.message} Nothing was changed; split the content into several pages or send a smaller file.`,
  UNAUTHORIZED: (e) => `${e.message} The user has to reconnect this assistant to the wiki (sign in again or give a new access token).`,
  FORBIDDEN: (e) =>
    e.data.reason === 'lapsed'
      ? `${e.message} You can still read everything; tell the user why nothing can be written.`
      : /read-only/.test(e.message)
        ? `${e.message} This connection cannot write: nothing was changed. Tell the user, and keep to reading tools.`
        : `${e.message} Nothing was changed; ask the wiki's owner for the editor role if you need to write.`,
  WIKI_NOT_FOUND: (e) => `${e.message} Call list_wikis to see the wikis this connection reaches and pass one as wiki: "owner/slug".`,
  WIKI_EXISTS: (e) => e.message,
  USER_NOT_FOUND: (e) => e.message,
  USER_EXISTS: (e) => e.message,
  PAGE_NOT_FOUND: (e) => {
    const suggestions = Array.isArray(e.data.suggestions) ? (e.data.suggestions as unknown[]) : [];
    const hint = suggestions.length ? 'If you meant one of those, call again with its exact path; otherwise ' : '';
    return `${e.message} ${hint}use search_notes or list_notes to find the page, or write_note (without a revision) to create it.`;
  },
  PAGE_EXISTS: (e) => `${e.message} Choose another name, or read_note the existing page and merge into it.`,
  SECTION_NOT_FOUND: (e) => `${e.message} Use one of the listed sections (heading path with " > ", e.g. "Background > Military Strategy").`,
  ATTACHMENT_NOT_FOUND: (e) => `${e.message} Call list_attachments to see the page's files.`,
  REVISION_NOT_FOUND: (e) => `${e.message} Use a revision returned by read_note or get_history (7 to 40 hex characters).`,
  REVISION_CONFLICT: (e) => {
    const path = typeof e.data.path === 'string' ? `"${e.data.path}" ` : '';
    if (e.data.current_revision === null) {
      return `The page ${path}no longer exists: it was deleted or renamed since you read it. Nothing was changed; check get_recent_changes, then create or find it again.`;
    }
    if ('your_revision' in e.data) {
      return `The page ${path}changed since you read it (now at ${short(e.data.current_revision)}) and the changes overlap with yours. Nothing was changed: read_note it again and reapply your change.`;
    }
    if ('files' in e.data) return `${e.message} Nothing was changed.`;
    if (/already exists/.test(e.message)) {
      return `${e.message} Nothing was changed: read_note it and pass its revision (now ${short(e.data.current_revision)}) to write_note to overwrite it, or use edit_note / edit_section to change part of it.`;
    }
    return `The page ${path}changed since you read it (now at ${short(e.data.current_revision)}). Nothing was changed: read_note it again and reapply your change.`;
  },
  EDIT_NO_MATCH: (e) => `${e.message} Nothing was changed; copy old_string exactly from the text read_note returned.`,
  EDIT_AMBIGUOUS: (e) => `${e.message} Nothing was changed.`,
  NOTHING_TO_REVERT: (e) => e.message,
  QUOTA_EXCEEDED: (e) => {
    const limit = typeof e.data.limit === 'string' ? ` (limit "${e.data.limit}": ${String(e.data.max)})` : '';
    return `${e.message}${limit} Nothing was changed. Tell the user: the wiki's owner can free space or move to a larger plan.`;
  },
  TOKEN_NOT_FOUND: (e) => `${e.message} Nothing was changed.`,
  RATE_LIMITED: (e) => {
    const wait = typeof e.data.retry_after === 'number' ? ` Wait ${e.data.retry_after} seconds before the next call.` : ' Wait a minute before the next call.';
    return `${e.message}${wait} Nothing was changed by the refused call.`;
  },
  REPOSITORY_CORRUPT: () => "This wiki's repository cannot be read; the problem was logged for the operator. Tell the user; other wikis keep working.",
  INTERNAL: () => 'The server failed while doing this; the problem was logged. Try once more, and tell the user if it fails again.',
};

/** A tool error result for any thrown value; unknown errors are logged with the request id and shown generically. */
export function toolErrorResult(err: unknown, requestId: string, log: Logger, tool: string): CallToolResult {
  let text: string;
  let code: ErrorCode;
  if (isWikiError(err)) {
    code = err.code;
    text = MCP_ERROR_ADVICE[code](err);
    if (code === 'INTERNAL' || code === 'REPOSITORY_CORRUPT') log.error({ err, code, tool, requestId }, 'mcp tool failed');
  } else {
    code = 'INTERNAL';
    text = MCP_ERROR_ADVICE.INTERNAL(err as WikiError);
    log.error({ err, tool, requestId }, 'mcp tool failed');
  }
  if (code === 'INTERNAL' || code === 'REPOSITORY_CORRUPT') text += ` (request ${requestId})`;
  return { isError: true, content: [{ type: 'text', text: `${text} [${code}]` }] };
}
