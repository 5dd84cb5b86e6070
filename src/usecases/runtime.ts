/**
 * In-process state per wiki: a write queue (so writers in this process take turns instead of racing the
 * compare-and-swap) and a render-cache generation that moves whenever pages appear or disappear.
 */

export class WikiRuntime {
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped when the set of pages changes, so cached HTML re-resolves its links. */
  pageSetVersion = 0;

  private readonly pushReleases: Array<() => void> = [];
  private pushGate: Promise<void> | null = null;
  private openPushGate: (() => void) | null = null;

  /**
   * Holds new in-process writes back (see `pushesSettled`) while a push that has been shown the refs is on its way,
   * so a busy wiki cannot make every push lose the race ("fetch first"). Released by `releasePush` when that push
   * ends, or after `ms` whatever happens (a client that never sends its pack).
   */
  reservePush(ms: number): void {
    if (!this.pushGate) {
      this.pushGate = new Promise<void>((resolve) => {
        this.openPushGate = resolve;
      });
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      const at = this.pushReleases.indexOf(release);
      if (at >= 0) this.pushReleases.splice(at, 1);
      if (this.pushReleases.length === 0) {
        this.openPushGate?.();
        this.pushGate = null;
        this.openPushGate = null;
      }
    };
    const timer = setTimeout(release, ms);
    timer.unref();
    this.pushReleases.push(release);
  }

  /** Ends the oldest push reservation (a push finished or was refused). */
  releasePush(): void {
    this.pushReleases[0]?.();
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
