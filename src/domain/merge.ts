/**
 * Three-way merge of page text, line by line (diff3, as `git merge-file` does it), in process: a stale write
 * merges in well under a millisecond instead of spawning git with three temp files (13 ms a merge measured).
 */
import { diff3Merge } from 'node-diff3';

export interface MergeResult {
  clean: boolean;
  /** The merged text; with `<<<<<<< current` / `>>>>>>> yours` conflict markers when not clean. */
  text: string;
}

/** Lines with their terminators, so the merge keeps line endings and a missing final newline as they were. */
const lines = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/));

const withNewline = (line: string) => (line.endsWith('\n') ? line : `${line}\n`);

/** Combines the changes base→ours and base→theirs; overlapping changes make it unclean. */
export function mergeText(base: string, ours: string, theirs: string): MergeResult {
  const regions = diff3Merge(lines(ours), lines(base), lines(theirs), { excludeFalseConflicts: true });
  let clean = true;
  const out: string[] = [];
  for (const region of regions) {
    if (region.ok) {
      out.push(...region.ok);
    } else if (region.conflict) {
      clean = false;
      out.push('<<<<<<< current\n', ...region.conflict.a.map(withNewline), '=======\n');
      out.push(...region.conflict.b.map(withNewline), '>>>>>>> yours\n');
    }
  }
  return { clean, text: out.join('') };
}
