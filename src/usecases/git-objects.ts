/**
 * Incoming objects read with the git CLI, for every door that checks commits before they land in a wiki: a `git push`
 * (objects still in receive-pack's quarantine) and an external sync (objects fetched into a scratch repository that
 * borrows the wiki's). Both answer the same `PushedObjects`, so both get the same per-commit check.
 */
import { WikiError } from '../errors.js';
import type { FileEntry } from '../git/repo-store.js';
import type { PushedCommit, PushedObjects } from './git-push.js';

/** Runs git with the caller's repository, environment and limits. */
export type GitRun = (args: string[]) => Promise<{ code: number | null; stdout: Buffer; stderr: string }>;

/**
 * The objects `run` reaches. `known` are the `git log` arguments naming what the wiki already has, which
 * `newCommits` leaves out: `['--all']` where the wiki's own refs are visible (the quarantine), `['--alternate-refs']`
 * from a repository whose alternate is the wiki's object store (the sync's scratch repository).
 */
export function gitPushedObjects(run: GitRun, known: string[]): PushedObjects {
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
      // One pass over every commit the wiki does not have yet, each diffed against its first parent (a merge too),
      // paths as they are (-z), renames as a deletion and an addition.
      const r = await run([
        'log', '-z', '--raw', '--no-abbrev', '--no-renames', '--diff-merges=first-parent', '--root', '--topo-order', '--reverse',
        '--format=%H %P%x00%s', tip, '--not', ...known,
      ]);
      if (r.code !== 0) throw new WikiError('INVALID_INPUT', `Cannot list the incoming commits: ${r.stderr.trim()}`);
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
