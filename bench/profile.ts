/**
 * In-process CPU profiling of benchmark phases (`--profile`): the V8 sampling profiler through node:inspector,
 * summarized as self time by area (a package, a source folder, node internals, idle, GC) and by function. Time spent
 * waiting on git processes shows up as idle here: the profile sees this process's JavaScript only.
 */
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

  async stop(): Promise<ProfileSummary> {
    const session = this.session;
    if (!session) throw new Error('profiler not started');
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    this.session = null;
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
