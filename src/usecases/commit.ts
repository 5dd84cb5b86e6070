/**
 * Writing to a wiki: one writer at a time per wiki in this process, a compare-and-swap against other processes,
 * and the index updated before the write returns (read your writes).
 */
import type { Actor } from '../auth/actor.js';
import { isWikiError, WikiError } from '../errors.js';
import { RefConflictError, type LogEntry, type Signature, type TreeEdit } from '../git/repo-store.js';
import type { IndexedCommit } from '../index/index-store.js';
import type { Wiki } from '../meta/meta-store.js';
import { applyEntries, catchUp } from './catch-up.js';
import type { OpenWiki } from './wiki-access.js';

/** What a write decided, given the current head; `edits: []` means there is nothing to commit. */
export interface PlannedCommit<T> {
  edits: TreeEdit[];
  message: string;
  result: (commit: LogEntry | null) => T;
}

const MAX_ATTEMPTS = 8;

/**
 * Runs `plan` against the current head and commits what it returns. If another process moved `main` between
 * planning and committing, the index catches up and `plan` runs again on the new head, so nothing is ever lost.
 */
export async function commitPlanned<T>(w: OpenWiki, plan: (head: string | null) => Promise<PlannedCommit<T>>): Promise<T> {
  // A push that has seen the refs goes first (bounded wait), or on a busy wiki it would lose every race.
  await w.runtime.pushesSettled();
  return w.runtime.exclusive(async () => {
    for (let attempt = 1; ; attempt++) {
      await catchUp(w.repo, w.index, w.runtime, w.base);
      const head = w.repo.head();
      const planned = await plan(head);
      if (planned.edits.length === 0) return planned.result(null);
      try {
        const entry = await w.repo.commit({
          parent: head,
          edits: planned.edits,
          message: planned.message,
          author: authorOf(w.actor),
        });
        if (entry.changes.length === 0) return planned.result(null);
        await recordCommit(w, entry, head);
        return planned.result(entry);
      } catch (err) {
        if (!(err instanceof RefConflictError) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  });
}

/**
 * Puts our own commit into the index without asking git for it again. If the index is not where we left it (its
 * file was deleted or damaged and recreated meanwhile), a full catch-up does the job instead.
 */
async function recordCommit(w: OpenWiki, entry: LogEntry, parent: string | null): Promise<void> {
  if (w.index.indexedCommit() === parent) {
    try {
      await applyEntries(w.repo, w.index, w.runtime, w.base, [entry], entry.oid);
      return;
    } catch (err) {
      if (!isWikiError(err, 'INTERNAL') || err.data.indexRecreated !== true) throw err;
    }
  }
  await catchUp(w.repo, w.index, w.runtime, w.base);
}

/** The commit author people see: the user, or for MCP the client, e.g. `Claude (MCP)`, with the user's email. */
export function authorOf(actor: Actor): Signature {
  const user = actor.user;
  const email = user?.email ?? 'wikibot@localhost';
  const name = user ? (user.name ?? user.username) : 'Wikibot';
  if (actor.door === 'mcp') return { name: `${actor.clientName ?? 'Assistant'} (MCP)`, email };
  return { name, email };
}

const PREFIX: Partial<Record<Actor['door'], string>> = { rest: '[api] ', mcp: '[mcp] ' };

/** How each door names the commit message, for the error that asks for one. */
const MESSAGE_FIELD: Record<Actor['door'], string> = {
  web: 'fill in the commit message',
  rest: 'send commit_message',
  mcp: 'pass commit_message (a short "Verb: Page — why")',
  git: 'write a commit message',
  cli: 'give a commit message',
};

/**
 * The caller's message (or a default), prefixed by the door it came through. The `wiki` written to applies its
 * `commit_messages` setting: `required` refuses a missing message (INVALID_INPUT), `disabled` replaces any given
 * message by the default. Without one (a wiki made from a template brings its own history) any message goes.
 */
export function commitMessage(actor: Actor, given: string | undefined, fallback: string, wiki: Wiki | null = null): string {
  const policy = wiki?.commitMessages ?? 'optional';
  const wanted = policy === 'disabled' ? '' : (given?.trim() ?? '');
  if (policy === 'required' && !wanted && wiki) {
    throw new WikiError(
      'INVALID_INPUT',
      `${wiki.owner}/${wiki.slug} requires a commit message for every change (its commit_messages setting is "required"): ${MESSAGE_FIELD[actor.door]} and try again. Nothing was saved.`,
      { field: 'commit_message', setting: 'commit_messages' },
    );
  }
  const text = wanted || fallback;
  if (text.length > 10_000) throw new WikiError('INVALID_INPUT', 'The commit message is longer than 10,000 characters.');
  const prefix = PREFIX[actor.door] ?? '';
  return text.startsWith(prefix) ? text : prefix + text;
}

export interface CommitSummary {
  oid: string;
  authorName: string;
  authorEmail: string;
  date: string;
  message: string;
}

export const summarizeCommit = (c: IndexedCommit): CommitSummary => ({
  oid: c.oid,
  authorName: c.authorName,
  authorEmail: c.authorEmail,
  date: c.date,
  message: c.message,
});
