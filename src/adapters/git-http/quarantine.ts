/**
 * Reading a push's objects while they are still in git's quarantine: the same git commands as anywhere else, with the
 * object directories receive-pack handed to its hook (the quarantine first, the repository's own objects as the
 * alternate). Nothing here can write: git refuses ref updates while GIT_QUARANTINE_PATH is set.
 */
import { spawn } from 'node:child_process';
import { isAbsolute, relative, resolve } from 'node:path';
import { WikiError } from '../../errors.js';
import { gitEnv } from '../../git/git-process.js';
import type { FileEntry } from '../../git/repo-store.js';
import type { PushedCommit, PushedObjects } from '../../usecases/git-push.js';

export interface QuarantineDirs {
  objectDirectory: string;
  alternates: string;
  quarantine: string;
}

/** Whether `dir` lies inside the repository's `objects/` (the only place receive-pack puts a quarantine). */
function insideObjects(repoDir: string, dir: string): boolean {
  const rel = relative(resolve(repoDir, 'objects'), resolve(dir));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The pushed objects of the repository at `repoDir`, as the hook reported them; refuses directories elsewhere. */
export function quarantinedObjects(repoDir: string, dirs: QuarantineDirs): PushedObjects {
  // A push that sends no objects (only a deletion) has no quarantine: everything is in the repository already.
  const quarantined = dirs.objectDirectory !== '';
  if (quarantined && (!insideObjects(repoDir, dirs.objectDirectory) || (dirs.quarantine !== '' && !insideObjects(repoDir, dirs.quarantine)))) {
    throw new WikiError('INTERNAL', 'The push hook reported object directories outside the repository.');
  }
  const env = quarantined
    ? {
        ...gitEnv(repoDir),
        GIT_OBJECT_DIRECTORY: dirs.objectDirectory,
        GIT_ALTERNATE_OBJECT_DIRECTORIES: dirs.alternates,
        GIT_QUARANTINE_PATH: dirs.quarantine,
      }
    : gitEnv(repoDir);
  const run = (args: string[]) => runWith(repoDir, env, args);
  return {
    async listFiles(commit: string): Promise<FileEntry[]> {
      const r = await run(['ls-tree', '-r', '-l', '-z', '--full-tree', commit]);
      if (r.code !== 0) throw new WikiError('INVALID_INPUT', `Cannot read the tree of ${commit}: ${r.stderr.trim()}`);
      return parseLsTree(r.stdout);
    },
    async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
      const r = await run(['merge-base', '--is-ancestor', ancestor, descendant]);
      if (r.code === 0) return true;
      if (r.code === 1) return false;
      throw new WikiError('INVALID_INPUT', `Cannot compare ${ancestor} and ${descendant}: ${r.stderr.trim()}`);
    },
    async readBlob(oid: string): Promise<Buffer> {
      const r = await run(['cat-file', 'blob', oid]);
      if (r.code !== 0) throw new WikiError('INVALID_INPUT', `Cannot read blob ${oid}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    async newCommits(tip: string): Promise<PushedCommit[]> {
      // One pass over every commit no ref reaches yet, each diffed against its first parent (a merge too), paths
      // as they are (-z), renames as a deletion and an addition.
      const r = await run([
        'log', '-z', '--raw', '--no-abbrev', '--no-renames', '--diff-merges=first-parent', '--root', '--topo-order', '--reverse',
        '--format=%H %P%x00%s', tip, '--not', '--all',
      ]);
      if (r.code !== 0) throw new WikiError('INVALID_INPUT', `Cannot list the pushed commits: ${r.stderr.trim()}`);
      return parseRawLog(r.stdout);
    },
  };
}

const HEADER = /^[0-9a-f]{40,64}( [0-9a-f]{40,64})*$/;
/** `:<old mode> <new mode> <old oid> <new oid> <status>`; the first after a subject starts on a new line. */
const RAW = /^\n?:(\d{6}) (\d{6}) [0-9a-f]+ [0-9a-f]+ [A-Z]\d*$/;

/**
 * `git log -z --raw --format='%H %P%x00%s'` output: per commit a header (oid and parents), the subject, then a raw
 * line and a path per changed file, all NUL-terminated. Read by position, so no subject can pass for a change.
 */
export function parseRawLog(out: Buffer): PushedCommit[] {
  const fields = out.toString('utf8').split('\0');
  const commits: PushedCommit[] = [];
  let i = 0;
  while (i < fields.length) {
    // A root commit has no parents: its header ends with the space before them.
    const header = (fields[i] ?? '').replace(/^\n/, '').trimEnd();
    i++;
    if (header === '') continue;
    if (!HEADER.test(header)) throw new WikiError('INTERNAL', `Unexpected git log output: ${JSON.stringify(header.slice(0, 80))}`);
    const [oid = '', ...parents] = header.split(' ');
    const commit: PushedCommit = { oid, parents, subject: fields[i] ?? '', changes: [] };
    i++;
    for (let raw = RAW.exec(fields[i] ?? ''); raw !== null; raw = RAW.exec(fields[i] ?? '')) {
      const mode = raw[2] ?? '000000';
      commit.changes.push({ path: fields[i + 1] ?? '', mode: mode === '000000' ? null : mode });
      i += 2;
    }
    commits.push(commit);
  }
  return commits;
}

/** `git ls-tree -r -l -z` output: `<mode> SP <type> SP <oid> SP+ <size|-> TAB <path> NUL`. */
export function parseLsTree(out: Buffer): FileEntry[] {
  const files: FileEntry[] = [];
  for (const record of out.toString('utf8').split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', , oid = '', size = '-'] = record.slice(0, tab).split(/ +/);
    files.push({ path: record.slice(tab + 1), mode, oid, size: size === '-' ? 0 : Number(size) });
  }
  return files;
}

function runWith(cwd: string, env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => err.push(Buffer.from(e.message)));
    child.on('close', (code) => resolvePromise({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
