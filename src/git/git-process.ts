/**
 * How this module starts git: one environment for every process (no system config, no prompts, C locale, GIT_DIR
 * pinned so a damaged repository is never confused with an enclosing one), and a helper for short-lived commands.
 */
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { WikiError } from '../errors.js';

let baseEnv: Record<string, string> | undefined;

/** The environment for a git process working on the repository at `gitDir`. Inherited GIT_* variables are dropped. */
export function gitEnv(gitDir: string): Record<string, string> {
  if (baseEnv === undefined) {
    baseEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('GIT_') && key !== 'LANG' && !key.startsWith('LC_')) {
        baseEnv[key] = value;
      }
    }
    Object.assign(baseEnv, {
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/true',
      GIT_NO_REPLACE_OBJECTS: '1',
      LC_ALL: 'C',
    });
  }
  return { ...baseEnv, GIT_DIR: gitDir };
}

export interface GitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs one git command to completion (no shell, no stdin) and collects its output. Never rejects on exit status. */
export function runGit(gitDir: string, args: string[], cwd?: string): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd: cwd ?? gitDir, env: gitEnv(gitDir), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8') + (spawnError ? String(spawnError.message) : '');
      resolve({ code: spawnError ? -1 : code, signal, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** The error for a repository git cannot read; `data.dir` names it so an operator can find it. */
export function corrupt(dir: string, message: string, extra: Record<string, unknown> = {}): WikiError {
  return new WikiError('REPOSITORY_CORRUPT', `repository ${dir} cannot be read: ${message}`, { dir, ...extra });
}

/**
 * Lets an idle long-lived process not hold the event loop open (so a forgotten `close()` does not keep a program
 * alive), while a process with requests in flight does.
 */
export function setStreamsRef(streams: (Readable | Writable | null)[], ref: boolean): void {
  for (const stream of streams) {
    if (stream instanceof Socket) {
      if (ref) stream.ref();
      else stream.unref();
    }
  }
}

/** Last part of a process's stderr, for error messages. */
export function appendTail(tail: string, chunk: Buffer, max = 4096): string {
  const next = tail + chunk.toString('utf8');
  return next.length > max ? next.slice(next.length - max) : next;
}
