/**
 * Git's object formats, done in-process: SHA-1 ids, loose object files (`<type> <len>\0<data>`, zlib, written via a
 * temp file and a rename exactly as git lays them out), binary trees and commit objects. Writing objects here instead
 * of spawning `git hash-object`/`mktree`/`commit-tree` keeps a write free of process spawns.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { WikiError } from '../errors.js';
import type { CommitInfo, Signature } from './repo-store.js';
import { corrupt } from './git-process.js';
import { fillSpare, unlinkQuietly } from './spare-files.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export const ZERO_OID = '0000000000000000000000000000000000000000';
export const EMPTY_TREE_OID = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const TREE_MODE = '40000';
export const FILE_MODE = '100644';
export const GITLINK_MODE = '160000';

const OID_RE = /^[0-9a-f]{40}$/;

export function isOid(value: string): boolean {
  return OID_RE.test(value);
}

/** The full object as git hashes and stores it: header and content. */
export function encodeObject(type: ObjectType, content: Buffer): Buffer {
  const header = Buffer.from(`${type} ${content.length}\0`, 'latin1');
  return Buffer.concat([header, content]);
}

/** The object id git would give `content` as an object of `type` (what `git hash-object -t <type>` prints). */
export function hashObject(type: ObjectType, content: Buffer): string {
  return createHash('sha1').update(encodeObject(type, content)).digest('hex');
}

/**
 * Writes `content` as a loose object of `gitDir` unless it is already there (then its mtime is refreshed, as git
 * does, so a concurrent `gc` cannot prune an object that is about to become reachable). Returns its id. `spare`
 * hands out an empty file made ahead of time (see spare-files.ts) to fill instead of creating one.
 */
export function writeLooseObject(
  gitDir: string,
  type: ObjectType,
  content: Buffer,
  spare?: () => string | null,
): string {
  const raw = encodeObject(type, content);
  const oid = createHash('sha1').update(raw).digest('hex');
  const fanout = join(gitDir, 'objects', oid.slice(0, 2));
  const file = join(fanout, oid.slice(2));
  // Sync calls that do not throw on a miss: a write touches up to four of these per object, exceptions cost more.
  if (statSync(file, { throwIfNoEntry: false }) !== undefined && touch(file)) return oid;
  const data = deflateSync(raw, { level: 1 });
  // A background `git gc` may remove an emptied fan-out directory between our mkdir and our write: try again.
  for (let attempt = 1; ; attempt++) {
    ensureFanout(gitDir, fanout);
    const given = (attempt === 1 && spare?.()) || null;
    try {
      const tmp = given !== null && fillSpare(given, data, 0o444) ? given : createTemp(fanout, data);
      try {
        renameSync(tmp, file);
      } catch (error) {
        unlinkQuietly(tmp);
        throw error;
      }
      return oid;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

function createTemp(fanout: string, data: Buffer): string {
  // Same prefix as git's own temp files, so `git gc` cleans up after a crash between write and rename.
  const tmp = join(fanout, `tmp_obj_${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(tmp, data, { mode: 0o444 });
  } catch (error) {
    unlinkQuietly(tmp);
    throw error;
  }
  return tmp;
}

/** Refreshes an existing loose object's mtime; false when `git gc` packed and removed it meanwhile. */
function touch(file: string): boolean {
  try {
    const now = new Date();
    utimesSync(file, now, now);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

function ensureFanout(gitDir: string, fanout: string): void {
  if (statSync(fanout, { throwIfNoEntry: false }) !== undefined) return;
  try {
    mkdirSync(fanout);
  } catch (error) {
    // A missing `objects` directory means the repository is damaged and must not be silently recreated.
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw corrupt(gitDir, 'objects directory is missing');
    if (code !== 'EEXIST') throw error;
  }
}

export function looseObjectExists(gitDir: string, oid: string): boolean {
  try {
    return statSync(join(gitDir, 'objects', oid.slice(0, 2), oid.slice(2))).isFile();
  } catch {
    return false;
  }
}

export function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** One entry of a tree object. `nameBytes` keeps the stored bytes so names that are not UTF-8 survive a rewrite. */
export interface TreeEntry {
  mode: string;
  name: string;
  nameBytes: Buffer;
  oid: string;
}

export function isTreeMode(mode: string): boolean {
  return mode === TREE_MODE;
}

/** Parses git's binary tree format: repeated `<mode> <name>\0<20-byte oid>`. */
export function parseTree(content: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : content.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw new Error('malformed tree object');
    const nameBytes = content.subarray(space + 1, nul);
    entries.push({
      mode: content.toString('latin1', pos, space),
      name: nameBytes.toString('utf8'),
      nameBytes,
      oid: content.toString('hex', nul + 1, nul + 21),
    });
    pos = nul + 21;
  }
  return entries;
}

/**
 * Git's tree order: names compared byte by byte, a directory compared as if its name ended in `/`
 * (so `a.md` < `a/` < `a0`).
 */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const an = a.nameBytes;
  const bn = b.nameBytes;
  const len = Math.min(an.length, bn.length);
  const cmp = an.subarray(0, len).compare(bn.subarray(0, len));
  if (cmp !== 0) return cmp;
  const ac = an.length > len ? an[len]! : isTreeMode(a.mode) ? 0x2f : 0;
  const bc = bn.length > len ? bn[len]! : isTreeMode(b.mode) ? 0x2f : 0;
  return ac - bc;
}

/** Serializes entries (sorted here) into a tree object's content. */
export function serializeTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort(compareTreeEntries);
  let size = 0;
  for (const entry of sorted) size += entry.mode.length + 1 + entry.nameBytes.length + 1 + 20;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const entry of sorted) {
    pos += out.write(entry.mode, pos, 'latin1');
    out[pos++] = 0x20;
    pos += entry.nameBytes.copy(out, pos);
    out[pos++] = 0;
    pos += out.write(entry.oid, pos, 'hex');
  }
  return out;
}

/** `Name <email> <seconds> +0000`, the identity line git writes (always UTC). */
export function formatIdent(signature: Signature, seconds: number): string {
  return `${signature.name} <${signature.email}> ${seconds} +0000`;
}

/** Refuses identities git would have to mangle (angle brackets or line breaks would corrupt the header). */
export function checkSignature(signature: Signature, role: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[<>\u0000-\u001f]/;
  if (signature.name.trim() === '' || bad.test(signature.name) || bad.test(signature.email)) {
    throw new WikiError('INVALID_INPUT', `invalid ${role}: name must be non-empty; no <, > or control characters`, {
      name: signature.name,
      email: signature.email,
    });
  }
  if (signature.date !== undefined && Number.isNaN(signature.date.getTime())) {
    throw new WikiError('INVALID_INPUT', `invalid ${role} date`);
  }
}

export interface CommitFields {
  tree: string;
  parents: string[];
  author: string;
  committer: string;
  /** Stored as given; callers end it with one newline. */
  message: string;
}

export function serializeCommit(fields: CommitFields): Buffer {
  let text = `tree ${fields.tree}\n`;
  for (const parent of fields.parents) text += `parent ${parent}\n`;
  text += `author ${fields.author}\ncommitter ${fields.committer}\n\n${fields.message}`;
  return Buffer.from(text, 'utf8');
}

const IDENT_RE = /^(.*?) ?<([^>]*)> (\d+)(?: ([+-]\d{4}))?$/;

/** Parses a commit object's content (tolerating extra headers such as `gpgsig` or `encoding`). */
export function parseCommit(oid: string, content: Buffer): CommitInfo {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const headerText = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  let tree: string | undefined;
  const parents: string[] = [];
  let authorName = '';
  let authorEmail = '';
  let seconds = 0;
  for (const line of headerText.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const match = IDENT_RE.exec(line.slice(7));
      if (match) {
        authorName = match[1] ?? '';
        authorEmail = match[2] ?? '';
        seconds = Number(match[3]);
      }
    }
  }
  if (tree === undefined || !isOid(tree)) throw new Error(`commit ${oid} has no tree`);
  return {
    oid,
    tree,
    parents,
    authorName,
    authorEmail,
    date: isoFromSeconds(seconds),
    message: body.endsWith('\n') ? body.slice(0, -1) : body,
  };
}

export function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
// `.git` in any case, and the spellings other filesystems treat as `.git` (git fsck rejects them on every platform).
const DOTGIT_RE = /^(\.git[. ]*|git~1)$/i;

/**
 * Splits a repository path (`Actors/Iran.md`) into segments, refusing anything that could escape the tree or that
 * git would refuse: empty, leading or trailing `/`, empty, `.` or `..` segments, `.git`, control characters,
 * segments over 255 bytes.
 */
export function splitTreePath(path: string): string[] {
  const fail = (why: string): never => {
    throw new WikiError('INVALID_PATH', `invalid path ${JSON.stringify(path)}: ${why}`, { path });
  };
  if (typeof path !== 'string' || path === '') fail('empty');
  if (path.startsWith('/')) fail('must not start with /');
  if (CONTROL_RE.test(path)) fail('control characters are not allowed');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '') fail('empty path segment');
    if (segment === '.' || segment === '..') fail(`"${segment}" segments are not allowed`);
    if (DOTGIT_RE.test(segment)) fail('.git is reserved');
    if (Buffer.byteLength(segment, 'utf8') > 255) fail('a segment is longer than 255 bytes');
  }
  return segments;
}
