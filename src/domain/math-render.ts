/**
 * TeX to HTML on the server with KaTeX, loaded on the first formula (pages without math never pay for it). KaTeX
 * runs with `trust: false` (no `\href`, `\url`, `\htmlClass`, `\includegraphics`…), `throwOnError: false` (bad TeX
 * shows as a red inline error, the page still renders) and a size cap; its output then passes an allowlist of its
 * own (spans with KaTeX's classes and numeric inline styles, and the small SVGs it draws for roots and arrows), since
 * that markup is nothing like a page's.
 */
import { createRequire } from 'node:module';
import type katexModule from 'katex';
import sanitizeHtml from 'sanitize-html';

type Katex = typeof katexModule;

let katex: Katex | null = null;

function engine(): Katex {
  katex ??= createRequire(import.meta.url)('katex') as Katex;
  return katex;
}

const LENGTHS = /^-?\d*\.?\d+(?:em|ex|pt|px|%)?(?:\s+-?\d*\.?\d+(?:em|ex|pt|px|%)?){0,3}$/;
const COLOR = /^(?:#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}|transparent)$/;
const LENGTH_PROPS = [
  'height',
  'width',
  'min-width',
  'vertical-align',
  'top',
  'bottom',
  'left',
  'margin',
  'margin-left',
  'margin-right',
  'padding-left',
  'border-width',
  'border-top-width',
  'border-bottom-width',
  'border-right-width',
];
const STYLES: Record<string, RegExp[]> = {
  ...Object.fromEntries(LENGTH_PROPS.map((p) => [p, [LENGTHS]])),
  color: [COLOR],
  'background-color': [COLOR],
  'border-color': [COLOR],
  'border-style': [/^solid$/],
  'border-right-style': [/^solid$/],
  position: [/^relative$/],
};

const KATEX_SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['span', 'svg', 'path', 'line'],
  allowedAttributes: {
    span: ['class', 'style', 'aria-hidden', 'title'],
    svg: ['xmlns', 'width', 'height', 'viewBox', 'viewbox', 'preserveAspectRatio', 'preserveaspectratio', 'style'],
    path: ['d'],
    line: ['x1', 'y1', 'x2', 'y2', 'stroke-width'],
  },
  allowedStyles: { span: STYLES, svg: STYLES },
  allowedSchemes: [],
  nonTextTags: ['script', 'style', 'textarea', 'noscript', 'iframe', 'object', 'template', 'title', 'math'],
};

/** TeX typeset to sanitized HTML: inline, or display (a centred block). Never throws on bad TeX. */
export function renderMath(tex: string, displayMode: boolean): string {
  const out = engine().renderToString(tex, {
    displayMode,
    output: 'html',
    throwOnError: false,
    trust: false,
    strict: 'ignore',
    maxSize: 50,
    maxExpand: 500,
  });
  return sanitizeHtml(out, KATEX_SANITIZE);
}
