/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each benchmark is a module with a `run(args)` that prints
 * its figures and resolves to an exit code (0 when every budget holds, 1 when one is missed).
 */

interface Benchmark {
  description: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

// Loaded on demand so one benchmark's imports never slow down or break another's.
const BENCHMARKS: Record<string, Benchmark> = {
  engine: {
    description: 'pages, search, history over the REST API; cold start; 32 concurrent writers; 10k/500 read ratio',
    load: () => import('./engine.js'),
  },
  git: {
    description: 'git remote: clone/fetch vs git http-backend, push of 100 commits until indexed, concurrent clones',
    load: () => import('./git.js'),
  },
  web: {
    description: 'web wiki server time: page view, editor, history, diff, blame, search, changes, index; HTML/JS bytes',
    load: () => import('./web.js'),
  },
  mcp: {
    description: 'MCP tools over the SDK client: read/write/edit/search/list/history medians; 32 concurrent clients',
    load: () => import('./mcp.js'),
  },
  'git-store': {
    description: 'the git storage layer alone: blob and file reads, one-file commits, listing, log',
    load: () => import('./git-store.js'),
  },
  'index-store': {
    description: 'the SQLite index alone at 500 and 10000 pages: every query and update it offers',
    load: () => import('./index-store.js'),
  },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(12)} ${b.description}`);
  return [
    'Usage: npm run bench -- <name> [options]',
    '',
    'Benchmarks:',
    ...names,
    '',
    "Options are the benchmark's own; try <name> --help.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const bench = name === undefined ? undefined : BENCHMARKS[name];
  if (!bench) {
    if (name !== undefined && name !== '--help' && name !== '-h') console.error(`unknown benchmark "${name}"\n`);
    console.error(usage());
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  const module = await bench.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
