/**
 * Line diffs between two versions of a page: a unified diff for people and git-minded tools, structured hunks for
 * the web view, and added/removed line counts for history lists.
 */
import { createTwoFilesPatch, diffLines, structuredPatch } from 'diff';

export interface DiffLine {
  type: 'context' | 'add' | 'del';
  text: string;
}

export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface UnifiedDiffOptions {
  oldLabel: string;
  newLabel: string;
  /** Lines of context around each change (default 3). */
  context?: number | undefined;
}

/** A unified diff (`--- old`, `+++ new`, `@@` hunks); empty when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const patch = createTwoFilesPatch(options.oldLabel, options.newLabel, oldText, newText, undefined, undefined, {
    context: options.context ?? 3,
  });
  // The `diff` package starts with a line of `=`; git and patch tools expect the `---` header first.
  return patch.replace(/^=+\n/, '');
}

/** The changes as hunks of typed lines. */
export function diffHunks(oldText: string, newText: string, context = 3): DiffHunk[] {
  const patch = structuredPatch('old', 'new', oldText, newText, undefined, undefined, { context });
  return patch.hunks.map((hunk) => ({
    oldStart: hunk.oldStart,
    oldLines: hunk.oldLines,
    newStart: hunk.newStart,
    newLines: hunk.newLines,
    lines: hunk.lines
      .filter((line) => !line.startsWith('\\'))
      .map((line): DiffLine => {
        const type = line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : 'context';
        return { type, text: line.slice(1) };
      }),
  }));
}

/** Lines added and removed. */
export function diffStats(oldText: string, newText: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  if (oldText === newText) return { added, removed };
  for (const change of diffLines(oldText, newText)) {
    if (change.added) added += change.count;
    else if (change.removed) removed += change.count;
  }
  return { added, removed };
}
