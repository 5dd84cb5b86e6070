/**
 * Owner names, wiki slugs and email addresses: the rules of the first two parts of every wiki address
 * (`/<owner>/<wiki>/`). Names are refused, never silently changed into another name.
 */
import { WikiError } from '../errors.js';

/** Names that would collide with the site's own routes, or that would mislead people if someone owned them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'api',
  'mcp',
  'oauth',
  'static',
  'admin',
  '-',
  '.well-known',
  'assets',
  'login',
  'logout',
  'signup',
  'settings',
  'healthz',
  'readyz',
  'metrics',
  'new',
  'search',
  'help',
  'about',
  'www',
  'git',
  'u',
  'w',
  'user',
  'users',
  'wiki',
  'wikis',
  'dashboard',
  'account',
  'docs',
  'status',
]);

export const NAME_MIN_LENGTH = 3;
export const NAME_MAX_LENGTH = 40;
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

type NameKind = 'Username' | 'Wiki slug';

/** The first rule a lowercase candidate breaks, or null when it is a valid name. */
function nameProblem(kind: NameKind, s: string): string | null {
  if (s.length < NAME_MIN_LENGTH)
    return `${kind} "${s}" is too short: use ${NAME_MIN_LENGTH} to ${NAME_MAX_LENGTH} characters.`;
  if (s.length > NAME_MAX_LENGTH)
    return `${kind} is too long: use ${NAME_MIN_LENGTH} to ${NAME_MAX_LENGTH} characters.`;
  if (!/^[a-z0-9-]+$/.test(s)) return `${kind} "${s}" may contain only lowercase letters a-z, digits and hyphens.`;
  if (s.startsWith('-') || s.endsWith('-')) return `${kind} "${s}" cannot start or end with a hyphen.`;
  if (!NAME_PATTERN.test(s)) return `${kind} "${s}" is not valid.`;
  if (RESERVED_NAMES.has(s)) return `${kind} "${s}" is reserved: choose another name.`;
  return null;
}

function parseName(kind: NameKind, field: string, s: string): string {
  const problem = nameProblem(kind, s);
  if (problem === null) return s;
  const lower = s.toLowerCase();
  if (lower !== s && nameProblem(kind, lower) === null) {
    throw new WikiError('INVALID_INPUT', `${kind} "${s}" must be lowercase: use "${lower}".`, {
      field,
      suggestion: lower,
    });
  }
  throw new WikiError('INVALID_INPUT', problem, { field });
}

/** Returns the username unchanged when it follows the rules; throws INVALID_INPUT naming the rule otherwise. */
export function parseUsername(s: string): string {
  return parseName('Username', 'username', s);
}

/** Returns the wiki slug unchanged when it follows the rules; throws INVALID_INPUT naming the rule otherwise. */
export function parseWikiSlug(s: string): string {
  return parseName('Wiki slug', 'slug', s);
}

export const EMAIL_MAX_LENGTH = 254;
const EMAIL_LOCAL_MAX_LENGTH = 64;
const EMAIL_LOCAL = /^[^\s@"(),:;<>[\\\]]+$/;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;

/**
 * Validates an email address with sane, simple rules (one `@`, a dotted domain, no spaces or quotes) and returns it
 * with surrounding whitespace removed and its case kept; stores compare addresses case-insensitively.
 */
export function parseEmail(s: string): string {
  const email = s.trim();
  const fail = (why: string): WikiError =>
    new WikiError('INVALID_INPUT', `Email "${email}" is not valid: ${why}.`, { field: 'email' });
  if (email.length === 0) throw new WikiError('INVALID_INPUT', 'Email is required.', { field: 'email' });
  if (email.length > EMAIL_MAX_LENGTH) throw fail(`use at most ${EMAIL_MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(email)) throw fail('it contains control characters');
  const at = email.lastIndexOf('@');
  if (at < 0 || email.indexOf('@') !== at) throw fail('it needs exactly one "@"');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length === 0 || local.length > EMAIL_LOCAL_MAX_LENGTH)
    throw fail('the part before "@" must be 1 to 64 characters');
  if (!EMAIL_LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw fail('the part before "@" has characters or dots that are not allowed');
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => label.length <= 63 && DOMAIN_LABEL.test(label))) {
    throw fail('the part after "@" must be a domain like example.org');
  }
  return email;
}
