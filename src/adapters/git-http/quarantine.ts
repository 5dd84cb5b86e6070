/**
 * Reading a push's objects while they are still in git's quarantine: the same git commands as anywhere else, with the
 * object directories receive-pack handed to its hook (the quarantine first, the repository's own objects as the
 * alternate). Nothing here can write: git refuses ref updates while GIT_QUARANTINE_PATH is set.
 */
import { spawn } from 'node:child_process';
import { isAbsolute, relative, resolve } from 'node:path';
import { WikiError } from '../../errors.js';
import { gitEnv } from '../../git/git-process.js';
import { gitPushedObjects } from '../../usecases/git-objects.js';
import type { PushedObjects } from '../../usecases/git-push.js';

// The parsers moved to the use case that both the push and the external sync read incoming commits with.
export { parseLsTree, parseRawLog } from '../../usecases/git-objects.js';

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
  return gitPushedObjects((args) => runWith(repoDir, env, args), ['--all']);
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
