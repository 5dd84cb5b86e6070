/**
 * Checks, after a concurrent-write benchmark, that nothing acknowledged was lost: every acknowledged commit is in
 * main's history and holds its writer's text, shared edits survive at head, and each writer's own page ends with its
 * last acknowledged write.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { pageFile } from '../src/domain/index.js';

const execFileAsync = promisify(execFile);

export interface AcknowledgedWrite {
  path: string;
  commit: string;
  /** A string only this write put into the page. */
  marker: string;
  kind: 'own' | 'shared';
}

export interface WriteVerification {
  missingFromLog: number;
  contentMismatches: number;
  lostEdits: number;
  /** Every page written, and its text at head. */
  finals: string[];
  finalText: Map<string, string>;
}

export async function verifyAcknowledged(repoDir: string, acks: AcknowledgedWrite[]): Promise<WriteVerification> {
  const { stdout } = await execFileAsync('git', ['-C', repoDir, 'rev-list', 'main'], { maxBuffer: 64 * 1024 * 1024 });
  const inLog = new Set(stdout.split('\n').filter(Boolean));
  const missingFromLog = acks.filter((a) => !inLog.has(a.commit)).length;
  const specs = acks.map((a) => `${a.commit}:${pageFile(a.path)}`);
  const finals = [...new Set(acks.map((a) => a.path))];
  const blobs = await catFileBatch(repoDir, [...specs, ...finals.map((p) => `main:${pageFile(p)}`)]);
  let contentMismatches = 0;
  acks.forEach((a, i) => {
    if (!blobs[i]?.includes(a.marker)) contentMismatches++;
  });
  const finalText = new Map(finals.map((p, i) => [p, blobs[specs.length + i] ?? '']));
  // A shared entry, once acknowledged, can only be changed again through a conflict, so it must still be there;
  // an own page must end with its writer's last acknowledged write.
  let lostEdits = 0;
  const lastOwn = new Map<string, AcknowledgedWrite>();
  for (const a of acks) {
    if (a.kind === 'shared' && !finalText.get(a.path)?.includes(a.marker)) lostEdits++;
    if (a.kind === 'own') lastOwn.set(a.path, a);
  }
  for (const a of lastOwn.values()) if (!finalText.get(a.path)?.includes(a.marker)) lostEdits++;
  return { missingFromLog, contentMismatches, lostEdits, finals, finalText };
}

/** Reads `<rev>:<path>` objects with one `git cat-file --batch`; null for a missing one. */
export async function catFileBatch(repoDir: string, specs: string[]): Promise<Array<string | null>> {
  const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git cat-file exited with ${code}`))));
  });
  child.stdin.end(specs.map((s) => `${s}\n`).join(''));
  await done;
  const out = Buffer.concat(chunks);
  const result: Array<string | null> = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      result.push(null);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    result.push(out.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return result;
}

