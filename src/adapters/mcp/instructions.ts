/**
 * The server instructions an MCP client shows its model at connection time: which wiki this is (name, purpose), how
 * a session starts, and the few rules that keep a shared wiki healthy. Product text, like the tool descriptions.
 */
import type { WikiListing } from '../../usecases/index.js';

const SESSION =
  'Start every session by reading Home and Meta/Wiki_Usage_Guide (read_notes with paths ["Home", "Meta/Wiki_Usage_Guide"]), then get_recent_changes to see what changed since. ' +
  'Search (search_notes) before creating a page, so you update an existing page instead of duplicating it. ' +
  'Every write takes the revision you read; if the page changed meanwhile, non-overlapping changes merge and overlapping ones are refused: read the page again and reapply your change. ' +
  'Link every new page from a related or index page, and write commit messages as "Verb: Page — why".';

const access = (w: WikiListing): string =>
  w.canWrite
    ? 'You may read and write.'
    : w.readOnlyReason === 'lapsed'
      ? "It is read-only because its owner's premium subscription lapsed: you may read but not write."
      : w.readOnlyReason === 'token'
        ? 'This connection is read-only: you may read but not write.'
        : 'Your role is viewer: you may read but not write.';

/** Instructions for a connection that reaches `wikis` (one wiki on `/<owner>/<wiki>/mcp`). */
export function serverInstructions(wikis: readonly WikiListing[], fixed: boolean): string {
  if (wikis.length === 1) {
    const w = wikis[0]!;
    const param = fixed ? '' : ` Tools take an optional wiki: "${w.id}".`;
    return `This is the Wikibot wiki "${w.name}" (${w.id}): ${w.purpose}\nIt is a research wiki of markdown pages linked with [[WikiLinks]], written together by people and AI assistants; every change is a git commit. ${access(w)}${param}\n\n${SESSION}`;
  }
  if (wikis.length === 0) {
    return 'This Wikibot connection reaches no wiki yet. Ask the user to create a wiki or to grant this connection access to one; list_wikis shows what it reaches.';
  }
  const list = wikis.map((w) => `- ${w.id} — ${w.name}: ${w.purpose} ${access(w)}`).join('\n');
  return `This Wikibot connection reaches ${wikis.length} research wikis of markdown pages linked with [[WikiLinks]], written together by people and AI assistants:\n${list}\nPass wiki: "owner/slug" to every tool; list_wikis shows them again.\n\n${SESSION}`;
}
