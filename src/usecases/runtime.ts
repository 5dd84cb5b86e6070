/**
 * In-process state per wiki: a write queue (so writers in this process take turns instead of racing the
 * compare-and-swap) and a render-cache generation that moves whenever pages appear or disappear.
 */

export class WikiRuntime {
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped when the set of pages changes, so cached HTML re-resolves its links. */
  pageSetVersion = 0;

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
