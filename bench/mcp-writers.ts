/**
 * The 32 concurrent MCP clients of `npm run bench -- mcp`, run in a worker thread. Assistants are other processes on
 * other machines: their SDK client work (JSON-RPC framing, result validation) must not share the server's event loop,
 * or the benchmark measures the clients as much as the server.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { connectMcp, type McpTestClient, type ToolAnswer } from '../test/mcp-client.js';
import { prng } from './corpus.js';
import type { AcknowledgedWrite } from './verify-writes.js';

export interface WritersInput {
  kind: 'mcp-writers';
  url: string;
  token: string;
  writes: number;
  /** Per client: its own pages, with their current revisions. */
  own: Array<Array<{ path: string; content: string; revision: string }>>;
  /** Shared pages: their log lines (`- Entry N: …`) and the stale revision every client edits from. */
  hot: Array<{ path: string; lines: string[]; staleRevision: string }>;
}

export interface WritersOutput {
  acks: AcknowledgedWrite[];
  latencies: number[];
  failures: number;
  failureSamples: string[];
  trueConflicts: number;
  merged: number;
  seconds: number;
}

/** Calls a tool and times it; a tool error fails the benchmark (unless `allowError`). */
export async function timed(c: McpTestClient, name: string, args: Record<string, unknown>, allowError = false): Promise<{ ms: number; r: ToolAnswer }> {
  const started = performance.now();
  const r = await c.call(name, args);
  const ms = performance.now() - started;
  if (r.isError && !allowError) throw new Error(`${name} ${JSON.stringify(args).slice(0, 200)} failed: ${r.text}`);
  return { ms, r };
}

export const revisionOf = (r: ToolAnswer): string => {
  const rev = r.structured?.revision;
  if (typeof rev !== 'string') throw new Error(`no revision in ${r.text}`);
  return rev;
};

/** Every client alternates a write_note to a page of its own and an edit_note of a shared page from a stale revision. */
export async function runWriters(input: WritersInput): Promise<WritersOutput> {
  const clients = await Promise.all(input.own.map(() => connectMcp(input.url, { token: input.token, userAgent: 'claude-code/bench' })));
  const out: WritersOutput = { acks: [], latencies: [], failures: 0, failureSamples: [], trueConflicts: 0, merged: 0, seconds: 0 };
  const fail = (what: string, text: string) => {
    out.failures++;
    if (out.failureSamples.length < 5) out.failureSamples.push(`${what}: ${text.slice(0, 200)}`);
  };
  const attempt = async (what: string, c: McpTestClient, name: string, args: Record<string, unknown>) => {
    try {
      const res = await timed(c, name, args, true);
      out.latencies.push(res.ms);
      return res.r;
    } catch (err) {
      fail(what, (err as Error).message);
      return null;
    }
  };
  const writer = async (w: number): Promise<void> => {
    const c = clients[w]!;
    const mine = input.own[w]!;
    const rng = prng(`mcp-writer:${w}`);
    for (let k = 0; k < input.writes; k++) {
      const j = k >> 1;
      const marker = `mcp-w${w}-k${k}-${Math.floor(rng() * 1e9).toString(36)}`;
      if (k % 2 === 0) {
        const p = mine[j % mine.length]!;
        const content = `${p.content}\nConcurrent write ${j} by client ${w}: ${marker}.\n`;
        const r = await attempt(`own ${p.path}`, c, 'write_note', { path: p.path, content, revision: p.revision, commit_message: `client ${w} own ${j}` });
        if (!r) continue;
        if (r.isError) fail(`own ${p.path}`, r.text);
        else {
          p.revision = revisionOf(r);
          out.acks.push({ path: p.path, commit: p.revision, marker, kind: 'own' });
        }
      } else {
        const p = input.hot[(w + j) % input.hot.length]!;
        const line = Math.floor(rng() * p.lines.length);
        const args = { path: p.path, revision: p.staleRevision, old_string: p.lines[line]!, new_string: `- Entry ${line}: client ${w} says ${marker}`, commit_message: `client ${w} shared ${j}` };
        const r = await attempt(`shared ${p.path}`, c, 'edit_note', args);
        if (!r) continue;
        if (!r.isError) {
          if (r.structured?.merged === true) out.merged++;
          out.acks.push({ path: p.path, commit: revisionOf(r), marker, kind: 'shared' });
        } else if (/\[REVISION_CONFLICT\]$/.test(r.text) && /changed since you read it \(now at [0-9a-f]{12}\)/.test(r.text)) out.trueConflicts++;
        else fail(`shared ${p.path}`, r.text);
      }
    }
  };
  const started = performance.now();
  await Promise.all(input.own.map((_, w) => writer(w)));
  out.seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return out;
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'mcp-writers') {
  void runWriters(workerData as WritersInput).then((result) => parentPort!.postMessage(result));
}
