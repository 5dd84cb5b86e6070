/**
 * Parsers for the output of the git commands this module spawns: `git log --raw -z` with our format, and
 * `git blame --porcelain`.
 */
import type { BlameLine, FileChange, LogEntry } from './repo-store.js';
import { GITLINK_MODE, isOid, isoFromSeconds } from './objects.js';

/** Fields of one commit in our `git log` format, each followed by NUL. */
export const LOG_FORMAT = '%H%x00%T%x00%P%x00%an%x00%ae%x00%at%x00%B%x00';

/**
 * Parses `git log --raw -z --no-abbrev --format=LOG_FORMAT`. After the format's fields come raw entries
 * (`:<mode> <mode> <oid> <oid> <status>` then one path, two for renames and copies); the next token that is not an
 * entry starts the next commit.
 */
export function parseRawLog(output: Buffer): LogEntry[] {
  const tokens = output.toString('utf8').split('\0');
  const entries: LogEntry[] = [];
  let i = 0;
  const next = (): string => {
    const token = tokens[i++];
    if (token === undefined) throw new Error('truncated git log output');
    return token;
  };
  while (i < tokens.length) {
    const first = tokens[i]!.replace(/^\n+/, '');
    if (first === '') {
      i++;
      continue;
    }
    if (!isOid(first)) throw new Error(`unexpected git log token ${JSON.stringify(first.slice(0, 80))}`);
    i++;
    const tree = next();
    const parents = next();
    const authorName = next();
    const authorEmail = next();
    const seconds = Number(next());
    const body = next();
    const changes: FileChange[] = [];
    while (i < tokens.length) {
      const token = tokens[i]!.replace(/^\n+/, '');
      if (token === '') {
        i++;
        continue;
      }
      if (!token.startsWith(':')) break;
      i++;
      const [oldMode, newMode, oldOid, newOid, status] = token.slice(1).split(' ');
      const letter = status?.[0];
      const path1 = next();
      const path2 = letter === 'R' || letter === 'C' ? next() : undefined;
      if (oldMode === GITLINK_MODE || newMode === GITLINK_MODE) continue;
      changes.push(toChange(letter, path1, path2, oldOid, newOid));
    }
    entries.push({
      oid: first,
      tree,
      parents: parents === '' ? [] : parents.split(' '),
      authorName,
      authorEmail,
      date: isoFromSeconds(seconds),
      message: body.endsWith('\n') ? body.slice(0, -1) : body,
      changes,
    });
  }
  return entries;
}

function toChange(
  letter: string | undefined,
  path1: string,
  path2: string | undefined,
  oldOid: string | undefined,
  newOid: string | undefined,
): FileChange {
  switch (letter) {
    case 'A':
      return { status: 'A', path: path1, newOid: newOid ?? '' };
    case 'D':
      return { status: 'D', path: path1, oldOid: oldOid ?? '' };
    case 'R':
      return { status: 'R', path: path2 ?? path1, oldPath: path1, oldOid: oldOid ?? '', newOid: newOid ?? '' };
    case 'C':
      // A copy leaves the source in place: for us the destination is simply a new file.
      return { status: 'A', path: path2 ?? path1, newOid: newOid ?? '' };
    default:
      // M, T (type change) and anything exotic are a modification of the path.
      return { status: 'M', path: path1, oldOid: oldOid ?? '', newOid: newOid ?? '' };
  }
}

const BLAME_HEADER_RE = /^([0-9a-f]{40}) (\d+) (\d+)(?: \d+)?$/;

interface BlameCommit {
  authorName: string;
  authorEmail: string;
  date: string;
  summary: string;
}

/** Parses `git blame --porcelain`: commit details appear the first time a commit is named, lines follow a TAB. */
export function parseBlamePorcelain(output: string): BlameLine[] {
  const commits = new Map<string, BlameCommit>();
  const lines: BlameLine[] = [];
  let current: { oid: string; line: number; info: BlameCommit } | null = null;
  for (const text of output.split('\n')) {
    if (current === null) {
      const match = BLAME_HEADER_RE.exec(text);
      if (!match) continue;
      const oid = match[1]!;
      let info = commits.get(oid);
      if (info === undefined) {
        info = { authorName: '', authorEmail: '', date: isoFromSeconds(0), summary: '' };
        commits.set(oid, info);
      }
      current = { oid, line: Number(match[3]), info };
      continue;
    }
    if (text.startsWith('\t')) {
      const { oid, line, info } = current;
      lines.push({ line, content: text.slice(1), commit: oid, ...info });
      current = null;
      continue;
    }
    const space = text.indexOf(' ');
    const key = space < 0 ? text : text.slice(0, space);
    const value = space < 0 ? '' : text.slice(space + 1);
    if (key === 'author') current.info.authorName = value;
    else if (key === 'author-mail') current.info.authorEmail = value.replace(/^<|>$/g, '');
    else if (key === 'author-time') current.info.date = isoFromSeconds(Number(value));
    else if (key === 'summary') current.info.summary = value;
  }
  return lines;
}
