/**
 * Typed HTML templates with automatic escaping: `html\`<p>${text}</p>\`` escapes every interpolated value unless it
 * is already `Html` (another template, or sanitized markdown wrapped with `trusted`). Arrays are joined. This is the
 * only way the web adapter produces markup, so nothing user-written reaches a page unescaped by accident.
 */

/** Markup that is safe to emit as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Renderable = Html | string | number | boolean | null | undefined | readonly Renderable[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: Renderable): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly Renderable[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Wraps markup that was already sanitized (rendered markdown, FTS snippets rebuilt by `markOnly`). */
export const trusted = (markup: string): Html => new Html(markup);

/**
 * A search snippet from the index (already HTML-escaped, matches in `<mark>`) as safe markup: any other tag that
 * might slip through is neutralised, so only the highlights are markup.
 */
export function markOnly(snippet: string): Html {
  return new Html(
    snippet
      .split(/(<\/?mark>)/)
      .map((part) => (part === '<mark>' || part === '</mark>' ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
      .join(''),
  );
}
