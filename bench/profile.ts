/**
 * In-process CPU profiling of benchmark phases (`--profile`): the V8 sampling profiler through node:inspector,
 * summarized as self time by area (a package, a source folder, node internals, idle, GC) and by function. Time spent
 * waiting on git processes shows up as idle here: the profile sees this process's JavaScript only.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  areas: Array<{ name: string; ms: number }>;
  functions: Array<{ name: string; ms: number }>;
}

export class PhaseProfiler {
  private session: Session | null = null;

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  /** Stops sampling; with `saveTo`, also writes the raw profile there (open it in Chrome DevTools). */
  async stop(saveTo?: string): Promise<ProfileSummary> {
    const session = this.session;
    if (!session) throw new Error('profiler not started');
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    this.session = null;
    if (saveTo !== undefined) writeFileSync(saveTo, JSON.stringify(profile));
    return summarizeProfile(profile);
  }
}

function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /dist\/((?:src|bench)\/[^/]+)/.exec(url);
  if (own) return own[1]!.replace(/\.js$/, '');
  return url;
}

function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    totalMs += ms;
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = url ? `${area} ${url.split('/').pop()}:${lineNumber + 1}` : area;
    const key = `${name} (${where})`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms }));
  return { totalMs, areas: top(areas, 10), functions: top(functions, 12) };
}

export function formatProfile(title: string, s: ProfileSummary, requests: number): string {
  const per = (ms: number) => `${(ms / Math.max(1, requests)).toFixed(3)} ms/req`;
  const pct = (ms: number) => `${((100 * ms) / Math.max(1e-9, s.totalMs)).toFixed(1)}%`.padStart(6);
  return [
    `profile: ${title} (${requests} requests, ${s.totalMs.toFixed(0)} ms sampled)`,
    '  by area:',
    ...s.areas.map((a) => `    ${pct(a.ms)}  ${per(a.ms).padStart(16)}  ${a.name}`),
    '  by function (self time):',
    ...s.functions.map((f) => `    ${pct(f.ms)}  ${per(f.ms).padStart(16)}  ${f.name}`),
  ].join('\n');
}

type Method = (...args: unknown[]) => unknown;

/**
 * Wall time spent in each method of the stores (`--profile`): wraps the RepoStore, IndexStore and MetaStore (and the
 * repositories and indexes they open) so that a phase can say, per request, how long it waited on git, SQLite and
 * the metadata store. Concurrent calls overlap, so under load the sums can exceed the phase's duration.
 */
export class CallTimer {
  private stats = new Map<string, { calls: number; ms: number }>();

  /** A proxy of `target` timing every method; methods named in `children` return objects wrapped in turn. */
  wrap<T extends object>(target: T, prefix: string, children: Record<string, string> = {}): T {
    const record = (name: string, started: number) => {
      const s = this.stats.get(name) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += performance.now() - started;
      this.stats.set(name, s);
    };
    return new Proxy(target, {
      get: (obj, prop) => {
        const value: unknown = Reflect.get(obj, prop, obj);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const name = `${prefix}.${prop}`;
        const child = children[prop];
        return (...args: unknown[]) => {
          const started = performance.now();
          let result = (value as Method).apply(obj, args);
          if (child !== undefined && result !== null && typeof result === 'object' && !(result instanceof Promise)) {
            result = this.wrap(result, child);
          }
          if (result instanceof Promise) {
            return result.then(
              (v: unknown) => {
                record(name, started);
                return child !== undefined && v !== null && typeof v === 'object' ? this.wrap(v, child) : v;
              },
              (err: unknown) => {
                record(name, started);
                throw err;
              },
            );
          }
          record(name, started);
          return result;
        };
      },
    });
  }

  reset(): void {
    this.stats.clear();
  }

  format(requests: number): string {
    const rows = [...this.stats]
      .filter(([name]) => !name.endsWith('.open'))
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 12)
      .map(([name, s]) => `    ${(s.ms / Math.max(1, requests)).toFixed(3).padStart(8)} ms/req  ${(s.calls / Math.max(1, requests)).toFixed(2).padStart(6)} calls/req  ${name}`);
    return ['  wall time in the stores:', ...rows].join('\n');
  }
}
