/**
 * The server instructions an MCP client shows its model at connection time: which wiki this is (name, purpose), how
 * a session starts, and the few rules that keep a shared wiki healthy. Product text, like the tool descriptions.
 */
import type { WikiListing } from '../../usecases/index.js';

/** How a session starts: `home` names the page to read first, or is null for several wikis (each its own). */
const session = (home: string | null): string =>
  (home === null
    ? 'Start every session in a wiki by reading its home page (Home unless listed otherwise above) and Meta/Wiki_Usage_Guide (read_notes), then get_recent_changes to see what changed since. '
    : `Start every session by reading ${home} and Meta/Wiki_Usage_Guide (read_notes with paths ${JSON.stringify([home, 'Meta/Wiki_Usage_Guide'])}), then get_recent_changes to see what changed since. `) +
  'Search (search_notes) before creating a page, so you update an existing page instead of duplicating it. ' +
  'Every write takes the revision you read; if the page changed meanwhile, non-overlapping changes merge and overlapping ones are refused: read the page again and reapply your change. ' +
  'Link every new page from a related or index page, and write commit messages as "Verb: Page — why".';

const homeNote = (w: WikiListing): string =>
  (w.homePage === 'Home' ? '' : ` Its home page is ${w.homePage}.`) + (w.commitMessages === 'required' && w.canWrite ? ' Every write there needs commit_message.' : '');

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
    const required = w.commitMessages === 'required' && w.canWrite ? ' This wiki requires a commit message: pass commit_message with every write.' : '';
    return `This is the Wikibot wiki "${w.name}" (${w.id}): ${w.purpose}\nIt is a research wiki of markdown pages linked with [[WikiLinks]], written together by people and AI assistants; every change is a git commit. ${access(w)}${param}${required}\n\n${session(w.homePage)}`;
  }
  if (wikis.length === 0) {
    return 'This Wikibot connection reaches no wiki yet. Ask the user to create a wiki or to grant this connection access to one; list_wikis shows what it reaches.';
  }
  const list = wikis.map((w) => `- ${w.id} — ${w.name}: ${w.purpose} ${access(w)}${homeNote(w)}`).join('\n');
  return `This Wikibot connection reaches ${wikis.length} research wikis of markdown pages linked with [[WikiLinks]], written together by people and AI assistants:\n${list}\nPass wiki: "owner/slug" to every tool; list_wikis shows them again.\n\n${session(null)}`;
}
