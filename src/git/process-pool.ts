/**
 * Bounds the long-lived git processes of one store: at most `max` alive (least recently used closed first, idle
 * ones before busy ones), and any process unused for `idleMs` closed. Timers are unref'd so they never keep a
 * program alive.
 */

export interface PooledProcess {
  /** True while the process has work in flight; a busy process is not closed for being idle. */
  readonly busy: boolean;
  /** Ends the process gracefully (pending work completes). */
  close(): Promise<void>;
}

export class ProcessPool {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly live = new Map<PooledProcess, NodeJS.Timeout>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    readonly max: number,
    readonly idleMs: number,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** Registers a new process as the most recently used one, closing others if over the bound. */
  add(process: PooledProcess): void {
    const timer = setTimeout(() => this.onIdle(process), this.idleMs);
    timer.unref();
    this.live.set(process, timer);
    this.evict(process);
  }

  /** Marks a process as just used. */
  touch(process: PooledProcess): void {
    const timer = this.live.get(process);
    if (timer === undefined) return;
    this.live.delete(process);
    this.live.set(process, timer);
    timer.refresh();
  }

  /** Forgets a process (it exited or was closed by its owner). */
  remove(process: PooledProcess): void {
    const timer = this.live.get(process);
    if (timer !== undefined) clearTimeout(timer);
    this.live.delete(process);
  }

  /** Closes every process and waits for all of them to exit. */
  async closeAll(): Promise<void> {
    const all = [...this.live.keys()];
    for (const process of all) this.release(process);
    await Promise.all([...this.closing]);
  }

  private onIdle(process: PooledProcess): void {
    const timer = this.live.get(process);
    if (timer === undefined) return;
    if (process.busy) timer.refresh();
    else this.release(process);
  }

  private evict(keep: PooledProcess): void {
    if (this.live.size <= this.max) return;
    const candidates = [...this.live.keys()].filter((p) => p !== keep);
    // Idle ones first; a busy one only when nothing else can go (its pending work still completes).
    const ordered = [...candidates.filter((p) => !p.busy), ...candidates.filter((p) => p.busy)];
    for (const process of ordered) {
      if (this.live.size <= this.max) break;
      this.release(process);
    }
  }

  private release(process: PooledProcess): void {
    this.remove(process);
    const done = process.close();
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
  }
}
