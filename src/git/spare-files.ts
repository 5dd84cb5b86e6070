/**
 * Empty files made ahead of time for the loose objects of the next commits. Creating a file (allocating its inode) is
 * the slow part of writing a loose object: 25 µs on a quiet disk, but 1–3 ms whenever other processes create files
 * on the same filesystem, and a commit writes three to five objects and a ref lock while holding its wiki's write
 * lock. Spares are created off that path, in libuv's thread pool; a commit then only opens, fills and renames them.
 *
 * They live in `objects/` with git's own `tmp_obj_` prefix, so `git prune` removes any a crash leaves behind.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `data` into the empty file `spare` (then sets `mode`); false when the spare is gone (`git prune` removed an
 * old one), so the caller makes its own file.
 */
export function fillSpare(spare: string, data: Buffer, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(spare, 'r+');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return false;
    throw error;
  }
  try {
    for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** How many spares a repository keeps (a busy wiki uses 400 a second); refilled when half are used, a few at a time. */
const SPARES = 32;
const AT_ONCE = 4;

export class SpareFiles {
  private readonly ready: string[] = [];
  private refilling: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly objectsDir: string) {}

  /** A spare's path, or null when none is ready (the caller creates its file as usual). Starts a refill when low. */
  take(): string | null {
    const spare = this.ready.pop() ?? null;
    if (this.ready.length <= SPARES / 2) this.refill();
    return spare;
  }

  /** Stops refilling and removes the spares not used. */
  async close(): Promise<void> {
    this.closed = true;
    await this.refilling;
    const left = this.ready.splice(0);
    await Promise.all(left.map((file) => unlink(file).catch(() => undefined)));
  }

  private refill(): void {
    if (this.refilling !== null || this.closed) return;
    this.refilling = this.createMissing().finally(() => {
      this.refilling = null;
    });
  }

  private async createMissing(): Promise<void> {
    while (!this.closed && this.ready.length < SPARES) {
      const made = await Promise.all(Array.from({ length: AT_ONCE }, () => this.createOne()));
      // A missing objects directory (the repository was deleted) or a full disk: commits create their own files.
      if (made.includes(false)) return;
    }
  }

  private async createOne(): Promise<boolean> {
    const file = join(this.objectsDir, `tmp_obj_${randomBytes(6).toString('hex')}`);
    try {
      await (await open(file, 'wx', 0o644)).close();
    } catch {
      return false;
    }
    if (this.closed) await unlink(file).catch(() => undefined);
    else this.ready.push(file);
    return true;
  }
}
