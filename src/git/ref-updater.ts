/**
 * One long-lived `git update-ref --stdin` process: each transaction is `start`, `update <ref> <new> <old>`,
 * `prepare`, `commit`, written at once and confirmed by `start: ok`, `prepare: ok`, `commit: ok`. git checks the
 * old value under the ref lock, so this is a compare-and-swap across threads and processes. A failed `prepare`
 * ends the process (that is how git reports it); the owner starts a new one for the next transaction.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendTail, gitEnv, setStreamsRef } from './git-process.js';

/** The transaction did not happen; `stderr` says why (usually the ref no longer had the expected value). */
export class RefUpdateFailed extends Error {
  constructor(readonly stderr: string) {
    super(`git update-ref failed: ${stderr}`);
  }
}

interface Waiter {
  lines: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RefUpdater {
  readonly pid: number | undefined;
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderrTail = '';
  private waiter: Waiter | null = null;
  private current: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private finished = false;
  private closing = false;
  private readonly exited: Promise<void>;

  constructor(
    readonly gitDir: string,
    private readonly onExit: (updater: RefUpdater) => void,
  ) {
    this.child = spawn('git', ['update-ref', '--stdin'], {
      cwd: gitDir,
      env: gitEnv(gitDir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.hold(false);
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString('utf8');
      this.check();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = appendTail(this.stderrTail, chunk);
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.stderrTail += error.message;
        this.finish();
        resolve();
      });
      this.child.on('close', () => {
        this.finish();
        resolve();
      });
    });
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  get alive(): boolean {
    return !this.finished && !this.closing;
  }

  /**
   * Moves `ref` from `oldOid` to `newOid` (the zero id as `oldOid` means "must not exist"). Transactions on one
   * process run one after another. Rejects with RefUpdateFailed when git refuses; the process is then gone.
   */
  update(ref: string, newOid: string, oldOid: string): Promise<void> {
    this.inFlight++;
    const run = this.current.then(() => this.transaction(ref, newOid, oldOid));
    this.current = run.catch(() => undefined);
    return run.finally(() => {
      this.inFlight--;
    });
  }

  /** Ends the process once its transactions are done. */
  close(): Promise<void> {
    if (!this.closing && !this.finished) {
      this.closing = true;
      void this.current.then(() => {
        this.child.stdin.end();
        this.hold(true);
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
        timer.unref();
        void this.exited.then(() => clearTimeout(timer));
      });
    }
    return this.exited;
  }

  private transaction(ref: string, newOid: string, oldOid: string): Promise<void> {
    if (this.finished) return Promise.reject(new RefUpdateFailed(this.stderrTail.trim() || 'process ended'));
    return new Promise((resolve, reject) => {
      this.stdout = '';
      this.waiter = {
        lines: 3,
        resolve: () => {
          this.waiter = null;
          this.hold(false);
          resolve();
        },
        reject: (error) => {
          this.waiter = null;
          reject(error);
        },
      };
      this.hold(true);
      // Safe to send all at once: when `prepare` fails git exits before reading `commit`.
      this.child.stdin.write(`start\nupdate ${ref} ${newOid} ${oldOid}\nprepare\ncommit\n`);
    });
  }

  private check(): void {
    const waiter = this.waiter;
    if (waiter === null) return;
    const lines = this.stdout.split('\n');
    if (lines.length - 1 < waiter.lines) return;
    const got = lines.slice(0, waiter.lines);
    this.stdout = lines.slice(waiter.lines).join('\n');
    if (got.join('\n') === 'start: ok\nprepare: ok\ncommit: ok') waiter.resolve();
    else {
      waiter.reject(new RefUpdateFailed(`unexpected output ${JSON.stringify(got)}`));
      this.child.kill('SIGKILL');
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.waiter?.reject(new RefUpdateFailed(this.stderrTail.trim() || 'git update-ref ended'));
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
