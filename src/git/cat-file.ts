/**
 * One long-lived `git cat-file --batch-command --buffer -z` process: requests are written as they come, flushed
 * once per tick, answered strictly in order (FIFO), and parsed from a streaming buffer so a large blob is copied at
 * most once. If the process dies, everything still pending fails with an error; the owner starts a new one.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { WikiError } from '../errors.js';
import { appendTail, corrupt, gitEnv, setStreamsRef } from './git-process.js';
import type { ObjectType } from './objects.js';

export interface ObjectInfo {
  oid: string;
  type: ObjectType;
  size: number;
}

export interface GitObject extends ObjectInfo {
  content: Buffer;
}

interface Request {
  kind: 'info' | 'contents';
  input: string;
  resolve: (value: GitObject | ObjectInfo | null) => void;
  reject: (error: Error) => void;
}

const HEADER_RE = /^([0-9a-f]{40}) (blob|tree|commit|tag) (\d+)$/;
/** Small results are copied out of the read chunk so a cached 200-byte blob does not pin a 64 KiB chunk. */
const COPY_BELOW = 16 * 1024;

export class CatFileProcess {
  readonly pid: number | undefined;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Request[] = [];
  private queueHead = 0;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** The response whose body is being received. */
  private body: { request: Request; info: ObjectInfo } | null = null;
  private outgoing: string[] = [];
  private flushScheduled = false;
  private stderrTail = '';
  private closing = false;
  private finished = false;
  private readonly exited: Promise<void>;

  /** `onExit` runs once when the process is gone, whatever the reason. */
  constructor(
    readonly gitDir: string,
    private readonly onExit: (process: CatFileProcess) => void,
  ) {
    this.child = spawn('git', ['cat-file', '--batch-command', '--buffer', '-z'], {
      cwd: gitDir,
      env: gitEnv(gitDir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.hold(false);
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = appendTail(this.stderrTail, chunk);
    });
    // EPIPE after the process died; the 'close' handler reports it.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.stderrTail += error.message;
        this.finish(null, null);
        resolve();
      });
      this.child.on('close', (code, signal) => {
        this.finish(code, signal);
        resolve();
      });
    });
  }

  /** Requests in flight. */
  get pending(): number {
    return this.queue.length - this.queueHead;
  }

  get alive(): boolean {
    return !this.finished && !this.closing;
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Type and size of an object, or null when it is missing (or an ambiguous prefix). */
  info(input: string): Promise<ObjectInfo | null> {
    return this.request('info', input);
  }

  /** An object with its content, or null when it is missing (or an ambiguous prefix). */
  contents(input: string): Promise<GitObject | null> {
    return this.request('contents', input) as Promise<GitObject | null>;
  }

  /** Ends the process after it has answered what is pending. */
  close(): Promise<void> {
    if (!this.closing && !this.finished) {
      this.closing = true;
      this.flush();
      this.child.stdin.end();
      // Answering what is pending needs the loop alive; so does waiting for the exit.
      this.hold(true);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      timer.unref();
      void this.exited.then(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** Ends the process now; pending requests fail. */
  kill(): Promise<void> {
    if (!this.finished) {
      this.closing = true;
      this.hold(true);
      this.child.kill('SIGKILL');
    }
    return this.exited;
  }

  private request(kind: Request['kind'], input: string): Promise<GitObject | ObjectInfo | null> {
    if (this.finished || this.closing) {
      return Promise.reject(new WikiError('INTERNAL', `git cat-file for ${this.gitDir} is closed`));
    }
    if (input.includes('\0')) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      if (this.pending === 0) this.hold(true);
      this.queue.push({ kind, input, resolve, reject });
      this.outgoing.push(`${kind} ${input}\0`);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || this.finished) return;
    this.outgoing.push('flush\0');
    this.child.stdin.write(this.outgoing.join(''));
    this.outgoing = [];
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.parse();
    } catch (error) {
      // Output we cannot frame means every later answer would be misattributed: stop here.
      this.stderrTail += `unparseable output: ${String(error)}`;
      this.child.kill('SIGKILL');
    }
  }

  private parse(): void {
    for (;;) {
      if (this.body !== null) {
        const { request, info } = this.body;
        if (this.buffered < info.size + 1) return;
        const content = this.take(info.size);
        this.take(1);
        this.body = null;
        this.settle(request, { ...info, content });
        continue;
      }
      const request = this.queue[this.queueHead];
      if (request === undefined) {
        if (this.buffered > 0) throw new Error('output without a request');
        return;
      }
      const line = this.takeLine();
      if (line === null) return;
      const match = HEADER_RE.exec(line);
      if (match) {
        const info: ObjectInfo = { oid: match[1]!, type: match[2] as ObjectType, size: Number(match[3]) };
        if (request.kind === 'info') this.settle(request, info);
        else this.body = { request, info };
      } else if (line === `${request.input} missing` || line === `${request.input} ambiguous`) {
        this.settle(request, null);
      } else {
        throw new Error(`unexpected line ${JSON.stringify(line.slice(0, 200))}`);
      }
    }
  }

  private settle(request: Request, value: GitObject | ObjectInfo | null): void {
    // The request leaves the queue only once answered, so `pending` counts a body still being received.
    this.queue[this.queueHead] = undefined as unknown as Request;
    this.queueHead++;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.pending === 0 && !this.closing) this.hold(false);
    request.resolve(value);
  }

  private takeLine(): string | null {
    const first = this.chunks[0];
    if (first === undefined) return null;
    let nl = first.indexOf(0x0a);
    if (nl < 0 && this.chunks.length > 1) {
      // A header split across chunks (rare): merge the chunks and search again.
      const merged = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      this.chunks.push(merged);
      nl = merged.indexOf(0x0a);
    }
    if (nl < 0) return null;
    const line = this.take(nl + 1);
    return line.toString('utf8', 0, nl);
  }

  /** Removes `n` buffered bytes from the front; the caller checked they are there. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const part = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return n < COPY_BELOW && first.length > n * 2 ? Buffer.from(part) : part;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, filled, 0, want);
        this.chunks[0] = chunk.subarray(want);
        filled += want;
      }
    }
    return out;
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finished) return;
    this.finished = true;
    const stderr = this.stderrTail.trim();
    const failure =
      signal !== null || (code === null && stderr === '')
        ? new WikiError('INTERNAL', `git cat-file for ${this.gitDir} ended (${signal ?? 'no signal'})`, {
            dir: this.gitDir,
          })
        : corrupt(this.gitDir, stderr || `git cat-file exited with code ${String(code)}`, { stderr });
    const pending = this.queue.slice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    this.body = null;
    this.chunks.length = 0;
    this.buffered = 0;
    for (const request of pending) request.reject(failure);
    this.onExit(this);
  }

  /**
   * Whether this process keeps the event loop alive: yes while work is in flight or it is closing (the exit must be
   * observed, and it arrives on the child handle, not the pipes), no when idle.
   */
  private hold(ref: boolean): void {
    if (ref) this.child.ref();
    else this.child.unref();
    setStreamsRef([this.child.stdin, this.child.stdout, this.child.stderr], ref);
  }
}
