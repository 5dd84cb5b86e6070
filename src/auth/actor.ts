/**
 * Who is asking: every use case takes an Actor, never a request. Adapters build it from a token or a session.
 */
import type { TokenScope, User } from '../meta/meta-store.js';

/** The door a request came through; it shapes commit messages (`[api] `, `[mcp] `) and nothing else. */
export type Door = 'rest' | 'mcp' | 'web' | 'git' | 'cli';

export interface Actor {
  /** Null for an anonymous visitor. */
  user: User | null;
  /**
   * Set when the actor authenticated with a token: what the token allows, on top of the user's roles. `wikiIds`
   * (OAuth grants, which may name several wikis) limits it further to those wikis.
   */
  token: { wikiId: number | null; wikiIds?: readonly number[]; scope: TokenScope } | null;
  door: Door;
  /** How people should see the writing program in history, e.g. `Claude` for an MCP client. */
  clientName?: string;
}

export const anonymous = (door: Door): Actor => ({ user: null, token: null, door });

/** The operator at the command line: acts with the site admin's rights as the given user (or as the system). */
export const cliActor = (user: User | null): Actor => ({ user, token: null, door: 'cli' });
