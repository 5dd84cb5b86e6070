/**
 * How a push gets checked before it lands. Every `git receive-pack` the server starts runs with
 * `-c core.hooksPath=<data>/git-hooks`, whose `pre-receive` script runs `pre-receive-hook.js`; that program connects
 * back to this listener on 127.0.0.1 with the one-time secret the server put in receive-pack's environment, and gets
 * the use case's verdict. The repositories themselves carry no hook: pushes the operator makes on the machine
 * (a restore, a migration) work as plain git, and a stale script can never be left behind in a repository.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWikiError } from '../../errors.js';
import type { Logger, PushSession, RefUpdate } from '../../usecases/index.js';
import { gitErrorText } from './error-table.js';
import { quarantinedObjects } from './quarantine.js';

const MAX_REQUEST_BYTES = 1024 * 1024;

interface Pending {
  session: PushSession;
  repoDir: string;
}

interface HookRequest {
  secret: string;
  updates: string;
  objectDirectory: string;
  alternates: string;
  quarantine: string;
}

/** What a receive-pack needs to reach the checker: extra git options and environment, and a way to let go. */
export interface PushRegistration {
  gitArgs: string[];
  env: Record<string, string>;
  dispose(): void;
}

export class PushHooks {
  private readonly hooksDir: string;
  private readonly pending = new Map<string, Pending>();
  private server: Server | null = null;
  private listening: Promise<string> | null = null;

  constructor(
    dataDir: string,
    private readonly log: Logger,
  ) {
    this.hooksDir = join(dataDir, 'git-hooks');
  }

  /** Registers one push; the hook's request carrying the returned secret is answered by `session.check`. */
  async register(session: PushSession, repoDir: string): Promise<PushRegistration> {
    const address = await this.start();
    // Rewritten if someone removed it: a missing hook would let a push land unchecked.
    if (!existsSync(join(this.hooksDir, 'pre-receive'))) this.writeHook();
    const secret = randomBytes(32).toString('hex');
    this.pending.set(secret, { session, repoDir });
    return {
      gitArgs: ['-c', `core.hooksPath=${this.hooksDir}`],
      env: { WIKIBOT_PUSH_HOOK: address, WIKIBOT_PUSH_SECRET: secret },
      dispose: () => this.pending.delete(secret),
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.listening = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private start(): Promise<string> {
    this.listening ??= new Promise<string>((resolve, reject) => {
      this.writeHook();
      // Half-open: the hook ends its side after the request and still reads the answer.
      const server = createServer({ allowHalfOpen: true }, (socket) => this.serve(socket));
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve(`127.0.0.1:${port}`);
      });
      this.server = server;
    });
    return this.listening;
  }

  /** The hook script: a shell line that runs the compiled hook program with this very node binary. */
  private writeHook(): void {
    mkdirSync(this.hooksDir, { recursive: true });
    const program = fileURLToPath(new URL('./pre-receive-hook.js', import.meta.url));
    const script = `#!/bin/sh\n# Written by Wikibot at start-up; see src/adapters/git-http/push-hooks.ts.\nexec ${shellQuote(process.execPath)} ${shellQuote(program)}\n`;
    const file = join(this.hooksDir, 'pre-receive');
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, script, { mode: 0o755 });
    renameSync(temp, file);
  }

  private serve(socket: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('error', () => socket.destroy());
    socket.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) socket.destroy();
      else chunks.push(c);
    });
    socket.on('end', () => {
      void this.answer(Buffer.concat(chunks).toString('utf8')).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  }

  private async answer(raw: string): Promise<{ ok: boolean; message: string }> {
    let request: HookRequest;
    try {
      request = JSON.parse(raw) as HookRequest;
    } catch {
      return { ok: false, message: 'Malformed hook request.' };
    }
    const pending = typeof request.secret === 'string' ? this.pending.get(request.secret) : undefined;
    if (!pending) return { ok: false, message: 'This push is not known to the server; nothing was stored.' };
    // One check per push: a replayed secret gets nothing.
    this.pending.delete(request.secret);
    try {
      const objects = quarantinedObjects(pending.repoDir, request);
      await pending.session.check(parseUpdates(request.updates), objects);
      return { ok: true, message: '' };
    } catch (err) {
      if (isWikiError(err) && err.code !== 'INTERNAL' && err.code !== 'REPOSITORY_CORRUPT') {
        return { ok: false, message: gitErrorText(err.code, err.message) };
      }
      this.log.error({ err, wiki: pending.session.name }, 'checking a push failed');
      return { ok: false, message: 'The server could not check this push (the problem was logged); nothing was stored.' };
    }
  }
}

/** pre-receive's stdin: one `<old> <new> <ref>` line per ref. */
export function parseUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [oldOid = '', newOid = '', ref = ''] = line.trim().split(' ');
      return { oldOid, newOid, ref };
    });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
