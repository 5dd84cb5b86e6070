/**
 * `git push` as a write: who may push, and whether a received push may land. The transport (smart HTTP) receives the
 * objects into git's quarantine and asks `PushSession.check` before any ref moves; the rules here are the same ones
 * every other door follows (page names, tier limits), plus git's own: one branch, fast-forward only. Between the
 * check and `finish` the wiki's write queue is held, so no in-process write can slip between the decision and the
 * ref update, and `finish` catches the index up over every pushed commit before the push is acknowledged.
 */
import type { Actor } from '../auth/actor.js';
import { tryParsePagePath, parseAttachmentName, parsePagePath } from '../domain/index.js';
import { isWikiError, WikiError, type ErrorCode } from '../errors.js';
import type { FileEntry } from '../git/repo-store.js';
import { catchUp } from './catch-up.js';
import type { Services } from './services.js';
import { tierLimits } from './tiers.js';
import { openWiki, type OpenWiki, type WikiRef } from './wiki-access.js';

/** The only branch a wiki has. */
export const MAIN_REF = 'refs/heads/main';
const ZERO_OID = '0'.repeat(40);

/** One line of what the client asked for: move `ref` from `oldOid` to `newOid` (all zeros: create / delete). */
export interface RefUpdate {
  ref: string;
  oldOid: string;
  newOid: string;
}

/** A commit a push adds, with the files it changed against its first parent (all its files for a root commit). */
export interface PushedCommit {
  oid: string;
  parents: string[];
  subject: string;
  /** `mode` is the file's mode after the commit; null when the commit deleted it. */
  changes: Array<{ path: string; mode: string | null }>;
}

/** Reads the pushed objects, including those still held in git's quarantine. */
export interface PushedObjects {
  /** Every file of the commit's tree (recursive), with mode and size; submodules have mode 160000. */
  listFiles(commit: string): Promise<FileEntry[]>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  readBlob(oid: string): Promise<Buffer>;
  /**
   * The commits `tip` adds to the repository (reachable from no ref yet), parents before children. Without it only
   * the pushed head's tree is checked, not the commits on the way there.
   */
  newCommits?(tip: string): Promise<PushedCommit[]>;
}

/** Most problems listed in one refusal; the rest are counted. */
const MAX_LISTED = 12;
/** A push that never finishes (a hung client) gives the wiki's write queue back after this long. */
const LOCK_TIMEOUT_MS = 10 * 60_000;

/**
 * Starts a push: the actor must be allowed to write the wiki and its owner's tier must include git push.
 * Throws UNAUTHORIZED (anonymous), WIKI_NOT_FOUND (cannot see it) or FORBIDDEN (may not push, with the reason).
 */
export async function beginPush(services: Services, actor: Actor, ref: WikiRef): Promise<PushSession> {
  const w = await openWiki(services, actor, ref, 'write');
  if (!tierLimits(w).gitPush) {
    throw new WikiError(
      'FORBIDDEN',
      `Pushing to ${ref.owner}/${ref.slug} needs a premium plan, and its owner is on the ${w.access.ownerTier} plan. ` +
        'Clone and fetch work; edit through the web, REST or MCP instead.',
      { action: 'push', reason: 'tier' },
    );
  }
  return new PushSession(w);
}

/** One push in flight. Call `check` (at most once) when the objects have arrived, and always `finish` at the end. */
export class PushSession {
  private release: (() => void) | null = null;
  private done: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly wiki: OpenWiki) {}

  get name(): string {
    return `${this.wiki.wiki.owner}/${this.wiki.wiki.slug}`;
  }

  /**
   * Decides whether the pushed updates may land; throws a WikiError that says why not. On success the wiki's write
   * queue stays held until `finish`, so the ref update that follows cannot race an in-process write.
   */
  async check(updates: RefUpdate[], objects: PushedObjects): Promise<void> {
    if (this.done) throw new WikiError('INVALID_INPUT', 'This push was already checked.');
    await this.lock();
    try {
      await checkPush(this.wiki, updates, objects);
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  /** Lets the write queue go and catches the index up with whatever the push stored. Never throws. */
  async finish(): Promise<void> {
    if (!this.done) void this.lock();
    this.unlock();
    try {
      await this.done;
    } catch (err) {
      // The push is stored; the next read of the wiki catches the index up again.
      this.wiki.services.log.error({ err, wiki: this.name }, 'index catch-up after a push failed');
    }
  }

  private lock(): Promise<void> {
    const w = this.wiki;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.release = release;
    this.timer = setTimeout(release, LOCK_TIMEOUT_MS);
    this.timer.unref();
    return new Promise<void>((entered) => {
      this.done = w.runtime.exclusive(async () => {
        entered();
        await gate;
        await catchUp(w.repo, w.index, w.runtime, w.base);
      });
    });
  }

  private unlock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.release?.();
  }
}

export interface Problem {
  code: ErrorCode;
  text: string;
}

/** Every rule a push must pass; throws the first problem's code with all problems listed. */
async function checkPush(w: OpenWiki, updates: RefUpdate[], objects: PushedObjects): Promise<void> {
  const problems: Problem[] = [];
  const head = w.repo.head();
  let target: RefUpdate | null = null;
  for (const u of updates) {
    if (u.ref !== MAIN_REF) {
      problems.push({
        code: 'INVALID_INPUT',
        text: `${u.ref}: a wiki has one branch, main; push only to it (git push origin HEAD:main). Nothing was stored.`,
      });
    } else if (u.newOid === ZERO_OID) {
      problems.push({ code: 'INVALID_INPUT', text: 'refs/heads/main cannot be deleted.' });
    } else {
      target = u;
    }
  }
  if (target && problems.length === 0) {
    const old = target.oldOid === ZERO_OID ? null : target.oldOid;
    if (old !== head) {
      problems.push({
        code: 'REVISION_CONFLICT',
        text: 'main moved since you fetched (the wiki was edited meanwhile): fetch first, then push again (git pull, git push).',
      });
    } else if (old !== null && !(await objects.isAncestor(old, target.newOid))) {
      problems.push({
        code: 'REVISION_CONFLICT',
        text: 'non-fast-forward: the push would drop commits on main. Pull (merge or rebase) and push again; history is never rewritten.',
      });
    } else {
      problems.push(...(await checkTree(w, old, target.newOid, objects)));
    }
  }
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED).map((p) => `- ${p.text}`);
  if (problems.length > MAX_LISTED) listed.push(`- …and ${problems.length - MAX_LISTED} more problems.`);
  const first = problems[0]!;
  throw new WikiError(first.code, `push to ${w.wiki.owner}/${w.wiki.slug} refused, nothing was stored:\n${listed.join('\n')}`, {
    problems: problems.map((p) => p.text),
  });
}

export interface TreeSummary {
  problems: Problem[];
  pages: number;
  attachmentBytes: number;
}

/** Names, layout and limits of the pushed tree. Problems the wiki already had before the push are not held against it. */
async function checkTree(w: OpenWiki, old: string | null, next: string, objects: PushedObjects): Promise<Problem[]> {
  const limits = tierLimits(w);
  const maxPageChars = w.services.config.maxPageChars;
  const [after, before] = await Promise.all([objects.listFiles(next), old ? objects.listFiles(old) : Promise.resolve([])]);
  const now = await summarizeTree(after, limits.attachmentBytes, maxPageChars, objects);
  const was = old ? await summarizeTree(before, limits.attachmentBytes, maxPageChars, objects) : null;
  const known = new Set((was?.problems ?? []).map((p) => p.text));
  const history = objects.newCommits ? await checkCommits(await objects.newCommits(next), old, before, known, objects) : { problems: [], texts: new Set<string>() };
  // A problem found in the commit that brought it is reported there, with the commit named, not again for the head.
  const problems = [...history.problems, ...now.problems.filter((p) => !known.has(p.text) && !history.texts.has(p.text))];
  if (now.pages > limits.pagesPerWiki && now.pages > (was?.pages ?? 0)) {
    problems.push({
      code: 'QUOTA_EXCEEDED',
      text: `the wiki would have ${now.pages} pages; its tier allows ${limits.pagesPerWiki}.`,
    });
  }
  if (now.attachmentBytes > limits.attachmentBytesPerWiki && now.attachmentBytes > (was?.attachmentBytes ?? 0)) {
    problems.push({
      code: 'QUOTA_EXCEEDED',
      text: `attachments would take ${now.attachmentBytes} bytes; this wiki's tier allows ${limits.attachmentBytesPerWiki}.`,
    });
  }
  // Quotas first: they are the reason to report when a push also carries other problems.
  return problems.sort((a, b) => Number(b.code === 'QUOTA_EXCEEDED') - Number(a.code === 'QUOTA_EXCEEDED'));
}

/**
 * The layout a wiki can show: `.md` files are pages with valid names; any other file is an attachment of the page
 * whose folder holds it (`A/B/map.png` belongs to `A/B.md`, which must exist). Files at the top level that are not
 * pages, hidden files, symbolic links and submodules are refused: the wiki could neither show nor edit them.
 */
export async function summarizeTree(
  files: FileEntry[],
  maxFileBytes: number,
  maxPageChars: number,
  objects: Pick<PushedObjects, 'readBlob'>,
): Promise<TreeSummary> {
  const problems: Problem[] = [];
  const pageFiles = new Set(files.filter((f) => f.path.endsWith('.md')).map((f) => f.path));
  let pages = 0;
  let attachmentBytes = 0;
  for (const f of files) {
    const shown = JSON.stringify(f.path);
    const problem = layoutProblem(f.path, f.mode, (page) => pageFiles.has(`${page}.md`));
    const linked = f.mode === '120000' || f.mode === '160000';
    if (!linked && f.path.endsWith('.md')) pages++;
    else if (!linked) attachmentBytes += f.size;
    if (problem !== null) {
      problems.push({ code: 'INVALID_PATH', text: problem });
      continue;
    }
    if (f.path.endsWith('.md')) {
      if (f.size > maxPageChars) {
        const chars = (await objects.readBlob(f.oid)).toString('utf8').length;
        if (chars > maxPageChars) {
          problems.push({ code: 'PAYLOAD_TOO_LARGE', text: `${shown} has ${chars} characters; the largest page allowed is ${maxPageChars} characters; split it.` });
        }
      }
    } else if (f.size > maxFileBytes) {
      problems.push({
        code: 'PAYLOAD_TOO_LARGE',
        text: `${shown} is ${f.size} bytes; the largest attachment this wiki's tier allows is ${maxFileBytes} bytes; remove it from the push.`,
      });
    }
  }
  return { problems, pages, attachmentBytes };
}

/**
 * Why a file cannot be in a wiki's tree, or null: its name, its kind (symbolic links and submodules), and for an
 * attachment whether its page exists in the same tree (`hasPage`).
 */
function layoutProblem(path: string, mode: string, hasPage: (page: string) => boolean): string | null {
  const shown = JSON.stringify(path);
  if (mode === '120000') return `${shown} is a symbolic link; a wiki holds only pages and attachments.`;
  if (mode === '160000') return `${shown} is a submodule; a wiki holds only pages and attachments.`;
  if (path.endsWith('.md')) {
    const problem = pageNameProblem(path.slice(0, -3));
    return problem ? `${shown}: ${problem}` : null;
  }
  const slash = path.lastIndexOf('/');
  if (slash < 0) {
    return `${shown} is outside the wiki's layout: only pages (.md) live at the top; other files are attachments and go in their page's folder (Page.md → Page/${path}).`;
  }
  const folder = path.slice(0, slash);
  const problem = pageNameProblem(folder) ?? attachmentNameProblem(path.slice(slash + 1));
  if (problem) return `${shown}: ${problem}`;
  if (!hasPage(folder)) {
    return `${shown} is an attachment of page ${folder}, which does not exist: add ${folder}.md or move the file into an existing page's folder.`;
  }
  return null;
}

/** The files of one tree as a push's commits change them: modes by path, and each folder's non-page files. */
class TreeState {
  constructor(
    readonly modes = new Map<string, string>(),
    readonly folders = new Map<string, Set<string>>(),
  ) {}

  static of(files: FileEntry[]): TreeState {
    const state = new TreeState();
    for (const f of files) state.set(f.path, f.mode);
    return state;
  }

  clone(): TreeState {
    return new TreeState(new Map(this.modes), new Map([...this.folders].map(([k, v]) => [k, new Set(v)])));
  }

  set(path: string, mode: string | null): void {
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 || path.endsWith('.md') ? null : path.slice(0, slash);
    if (mode === null) {
      this.modes.delete(path);
      if (folder !== null) this.folders.get(folder)?.delete(path);
      return;
    }
    this.modes.set(path, mode);
    if (folder === null) return;
    let files = this.folders.get(folder);
    if (!files) this.folders.set(folder, (files = new Set()));
    files.add(path);
  }
}

/**
 * Names and layout of every commit the push adds, not only of its head: a commit that adds `bad?.md` followed by one
 * that removes it would leave a tree in history that the index's catch-up, history views and every clone read.
 * Each commit is checked only where it differs from its first parent (whose tree was checked, or was the wiki's
 * already), so a push of many commits costs one `git log` and a walk over what changed. Sizes and quotas are checked
 * at the head only: they are limits on the wiki as it stands (what the index holds and renders, what the tier
 * counts), while an older version of a file is only ever read raw from history.
 */
async function checkCommits(
  commits: PushedCommit[],
  old: string | null,
  oldFiles: FileEntry[],
  known: Set<string>,
  objects: PushedObjects,
): Promise<{ problems: Problem[]; texts: Set<string> }> {
  const problems: Problem[] = [];
  const texts = new Set<string>();
  // A tree is kept only while a commit still to be checked builds on it (one, for a straight history).
  const children = new Map<string, number>();
  for (const c of commits) {
    const parent = c.parents[0];
    if (parent !== undefined) children.set(parent, (children.get(parent) ?? 0) + 1);
  }
  const trees = new Map<string, TreeState>();
  if (old !== null) trees.set(old, TreeState.of(oldFiles));
  const treeBefore = async (parent: string | undefined): Promise<TreeState> => {
    if (parent === undefined) return new TreeState();
    let tree = trees.get(parent);
    if (!tree) {
      // A branch that forked from an older commit of the wiki: that commit's tree, whose problems predate the push.
      const files = await objects.listFiles(parent);
      for (const p of (await summarizeTree(files, Infinity, Infinity, objects)).problems) known.add(p.text);
      tree = TreeState.of(files);
      trees.set(parent, tree);
    }
    const left = (children.get(parent) ?? 1) - 1;
    children.set(parent, left);
    if (left > 0) return tree.clone();
    trees.delete(parent);
    return tree;
  };
  for (const commit of commits) {
    const tree = await treeBefore(commit.parents[0]);
    for (const change of commit.changes) tree.set(change.path, change.mode);
    const hasPage = (page: string) => tree.modes.has(`${page}.md`);
    const found: string[] = [];
    for (const change of commit.changes) {
      if (change.mode !== null) {
        const problem = layoutProblem(change.path, change.mode, hasPage);
        if (problem !== null) found.push(problem);
      } else if (change.path.endsWith('.md') && !tree.modes.has(change.path)) {
        // A page deleted while its attachments stay: they now belong to nothing.
        for (const file of tree.folders.get(change.path.slice(0, -3)) ?? []) {
          const problem = layoutProblem(file, tree.modes.get(file) ?? '100644', hasPage);
          if (problem !== null) found.push(problem);
        }
      }
    }
    for (const text of found) {
      if (known.has(text) || texts.has(text)) continue;
      texts.add(text);
      problems.push({ code: 'INVALID_PATH', text: `commit ${commit.oid.slice(0, 10)} (${JSON.stringify(shorten(commit.subject))}): ${text}` });
    }
    if ((children.get(commit.oid) ?? 0) > 0) trees.set(commit.oid, tree);
  }
  return { problems, texts };
}

function shorten(subject: string): string {
  return subject.length > 60 ? `${subject.slice(0, 59)}…` : subject;
}

function pageNameProblem(path: string): string | null {
  const canonical = tryParsePagePath(path);
  if (canonical === path) return null;
  if (canonical !== null) return `file names use "_" for spaces and no leading or trailing blanks; name it ${JSON.stringify(canonical)}.`;
  return reason(() => parsePagePath(path));
}

function attachmentNameProblem(name: string): string | null {
  try {
    if (parseAttachmentName(name) === name) return null;
    return `attachment names use "_" for spaces; name it ${JSON.stringify(parseAttachmentName(name))}.`;
  } catch (err) {
    if (isWikiError(err)) return err.message;
    throw err;
  }
}

function reason(parse: () => unknown): string | null {
  try {
    parse();
    return null;
  } catch (err) {
    if (isWikiError(err)) return err.message;
    throw err;
  }
}
