#!/usr/bin/env node
// Entry point of the `wikibot` command: runs the compiled CLI (build it first with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('wikibot is not built yet: run `npm run build` (or `npm start`) first.');
  process.exit(1);
}
await import(cli);
