/**
 * Builds the web UI's assets into `dist/web/` (run by `npm run build` after tsc): the editor bundle (CodeMirror 6,
 * loaded only on edit pages), and the site script and stylesheet minified. No CDN: everything is served by us.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const out = `${root}dist/web`;

export async function buildAssets(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const common = { bundle: true, minify: true, legalComments: 'none' as const, logLevel: 'warning' as const, target: ['chrome110', 'firefox110', 'safari16'] };
  await Promise.all([
    build({ ...common, entryPoints: [`${root}web/editor.js`], outfile: `${out}/editor.js`, format: 'esm' }),
    build({ ...common, entryPoints: [`${root}web/app.js`], outfile: `${out}/app.js`, format: 'iife' }),
    build({ ...common, entryPoints: [`${root}web/app.css`], outfile: `${out}/app.css` }),
  ]);
}

await buildAssets();
