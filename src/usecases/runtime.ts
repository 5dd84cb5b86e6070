/**
 * In-process state per wiki: a write queue (so writers in this process take turns instead of racing the
 * compare-and-swap) and a render-cache generation that moves whenever pages appear or disappear.
 */

/** One push's hold on its wiki's new in-process writes (`WikiRuntime.reservePush`). */
export interface PushHold {
  /** Moves the end of the hold to `ms` from now, sooner or later than it was; nothing once released. */
  until(ms: number): void;
  /** Ends the hold now; later calls do nothing. */
  release(): void;
  readonly released: boolean;
}

export class WikiRuntime {
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped when the set of pages changes, so cached HTML re-resolves its links. */
  pageSetVersion = 0;

  private readonly pushHolds = new Set<() => void>();
  private pushGate: Promise<void> | null = null;
  private openPushGate: (() => void) | null = null;

  /**
   * Holds new in-process writes back (see `pushesSettled`) while a push that has been shown the refs is on its way,
   * so a busy wiki cannot make every push lose the race ("fetch first"). The hold ends when released, or `ms` from
   * now whatever happens; the transport moves that bound as it learns more (see adapters/git-http/push-reservations.ts).
   */
  reservePush(ms: number): PushHold {
    if (!this.pushGate) {
      this.pushGate = new Promise<void>((resolve) => {
        this.openPushGate = resolve;
      });
    }
    let released = false;
    let timer: NodeJS.Timeout | null = null;
    const release = () => {
      if (released) return;
      released = true;
      if (timer) clearTimeout(timer);
      this.pushHolds.delete(release);
      if (this.pushHolds.size === 0) {
        this.openPushGate?.();
        this.pushGate = null;
        this.openPushGate = null;
      }
    };
    const until = (after: number) => {
      if (released) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(release, after);
      // A hold never keeps the process alive on its own.
      timer.unref();
    };
    this.pushHolds.add(release);
    until(ms);
    return { release, until, get released() { return released; } };
  }

  /** How many push holds are in force (for tests and metrics). */
  get pushHoldCount(): number {
    return this.pushHolds.size;
  }

  /** Resolves once no push reservation holds writes back (at once when none does). */
  async pushesSettled(): Promise<void> {
    while (this.pushGate) await this.pushGate;
  }

  /** Runs `task` after every task queued before it; a failing task does not block the queue. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export class WikiRuntimes {
  private readonly byWiki = new Map<string, WikiRuntime>();

  get(owner: string, slug: string): WikiRuntime {
    const key = `${owner}/${slug}`;
    let runtime = this.byWiki.get(key);
    if (!runtime) {
      runtime = new WikiRuntime();
      this.byWiki.set(key, runtime);
    }
    return runtime;
  }

  forget(owner: string, slug: string): void {
    this.byWiki.delete(`${owner}/${slug}`);
  }
}
