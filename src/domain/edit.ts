/**
 * Exact-string edits: the way assistants change part of a page without resending it. The old text must occur
 * exactly once, so an edit can never land in the wrong place; when it does not, the error says what to do next.
 */
import { WikiError } from '../errors.js';

function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  let i = text.indexOf(needle);
  while (i !== -1) {
    found.push(i);
    i = text.indexOf(needle, i + 1);
  }
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function squashSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Replaces the one occurrence of `oldString` with `newString`. Throws `EDIT_NO_MATCH` when it does not occur (with
 * a hint when it occurs with other letter case or other whitespace) and `EDIT_AMBIGUOUS` when it occurs more than once.
 */
export function replaceUnique(text: string, oldString: string, newString: string): string {
  if (oldString === '') {
    throw new WikiError(
      'INVALID_INPUT',
      'old_string is empty; give the exact text to replace (copy it from the page).',
    );
  }
  const found = occurrences(text, oldString);
  const first = found[0];
  if (found.length === 1 && first !== undefined) {
    return text.slice(0, first) + newString + text.slice(first + oldString.length);
  }
  if (found.length === 0) {
    let hint = '';
    if (text.toLowerCase().includes(oldString.toLowerCase())) {
      hint = ' A match that differs only in letter case exists; copy the text exactly as it appears.';
    } else if (squashSpace(oldString) !== '' && squashSpace(text).includes(squashSpace(oldString))) {
      hint = ' A match that differs only in whitespace or line breaks exists; copy the text exactly as it appears.';
    }
    throw new WikiError(
      'EDIT_NO_MATCH',
      `old_string was not found in the page.${hint} Re-read the page to get its current text, then retry.`,
      { caseInsensitiveMatch: hint.includes('letter case'), whitespaceMatch: hint.includes('whitespace') },
    );
  }
  const lines = found.map((offset) => lineOf(text, offset));
  throw new WikiError(
    'EDIT_AMBIGUOUS',
    `old_string occurs ${found.length} times (lines ${lines.join(', ')}); include more surrounding text so it ` +
      'matches exactly one place.',
    { count: found.length, lines },
  );
}
