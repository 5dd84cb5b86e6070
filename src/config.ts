/**
 * The one place that reads the environment. `loadConfig` merges defaults, `WIKIBOT_*` variables and command-line
 * flags (flags win), validates every setting and returns a frozen object; a bad value stops start-up with a message
 * that names the setting.
 */
import { resolve } from 'node:path';

export interface TierLimits {
  wikis: number;
  pagesPerWiki: number;
  collaboratorsPerWiki: number;
  attachmentBytesPerWiki: number;
  /** Largest single attachment. */
  attachmentBytes: number;
  gitPush: boolean;
}

export interface Config {
  /** Interface to listen on (WIKIBOT_HOST, --host). */
  host: string;
  /** TCP port (WIKIBOT_PORT, --port); 0 picks a free one. */
  port: number;
  /** Data directory holding meta.sqlite, repos/ and index/ (WIKIBOT_DATA, --data). */
  dataDir: string;
  /** Public base URL used in links and feeds (WIKIBOT_BASE_URL); defaults to http://host:port. */
  baseUrl: string | null;
  /** Log level: fatal, error, warn, info, debug, silent (WIKIBOT_LOG_LEVEL). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Largest page, in characters (WIKIBOT_MAX_PAGE_CHARS). */
  maxPageChars: number;
  /** Largest JSON request body in bytes; attachments are sent base64 inside JSON (WIKIBOT_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Long-lived git processes kept across all repositories (WIKIBOT_GIT_PROCESSES). */
  gitProcesses: number;
  /** Memory for recently written and read page contents across all wikis, in MiB; 0 turns it off (WIKIBOT_PAGE_CACHE_MB). */
  pageCacheMb: number;
  /** Close a repository's git processes after this many idle milliseconds (WIKIBOT_GIT_IDLE_MS). */
  gitIdleMs: number;
  /** Per-wiki index databases kept open (WIKIBOT_OPEN_INDEXES). */
  openIndexes: number;
  tiers: Readonly<Record<'free' | 'premium', TierLimits>>;
  /** The account with this email is site admin when it is created (WIKIBOT_ADMIN_EMAIL); the first account always is. */
  adminEmail: string | null;
  /** Requests per window allowed from one IP address to the APIs (WIKIBOT_RATE_LIMIT_IP); 0 turns the limit off. */
  rateLimitPerIp: number;
  /** Requests per window allowed for one user, whatever their address (WIKIBOT_RATE_LIMIT_USER); 0 turns it off. */
  rateLimitPerUser: number;
  /** Length of the rate-limit window in seconds (WIKIBOT_RATE_LIMIT_WINDOW_S). */
  rateLimitWindowS: number;
  /** Trust X-Forwarded-For from the reverse proxy for the client address used by rate limits and logs (WIKIBOT_TRUST_PROXY). */
  trustProxy: boolean;
  /** Template and sync URLs may reach loopback/private/link-local addresses (WIKIBOT_TEMPLATE_ALLOW_PRIVATE; tests, intranets). */
  templateAllowPrivate: boolean;
  /** Template and sync URLs may be plain http:// (WIKIBOT_TEMPLATE_ALLOW_HTTP); https is the rule. */
  templateAllowHttp: boolean;
  /** Template and sync URLs may be absolute paths of repositories on this machine (WIKIBOT_TEMPLATE_ALLOW_LOCAL). */
  templateAllowLocal: boolean;
  /** Largest template checkout or sync fetch, in bytes (WIKIBOT_TEMPLATE_MAX_BYTES). */
  templateMaxBytes: number;
  /** Longest template clone or sync fetch/push, in milliseconds (WIKIBOT_TEMPLATE_TIMEOUT_MS). */
  templateTimeoutMs: number;
  /** 32-byte key, base64, that encrypts sync credentials at rest (WIKIBOT_SECRET_KEY); null refuses linking. */
  secretKey: string | null;
  /** How often a linked wiki syncs with its external remote, in milliseconds (WIKIBOT_SYNC_INTERVAL_MS). */
  syncIntervalMs: number;
  /** SMTP server for verification and password-reset mail (WIKIBOT_SMTP_URL: smtp:// or smtps://, optional user:pass@); null sends no mail. */
  smtpUrl: string | null;
  /** Sender of that mail, e.g. `Wikibot <wiki@example.org>` (WIKIBOT_SMTP_FROM); required with WIKIBOT_SMTP_URL. */
  smtpFrom: string | null;
  /** OpenID Connect providers people may sign in with (WIKIBOT_OIDC_PROVIDERS, a JSON array); empty: none. */
  oidcProviders: readonly OidcProviderConfig[];
}

/**
 * One sign-in provider registered by the operator; the redirect URI (callback URL) to register is
 * `<base>/-/oidc/<id>/callback` for every kind.
 */
export type OidcProviderConfig = OpenIdProviderConfig | GitHubProviderConfig;

interface ProviderBase {
  /** Short name in addresses (`/-/oidc/<id>/…`) and in the identities table: lowercase letters, digits, `-`. */
  id: string;
  /** Shown on the sign-in button: "Sign in with <name>". */
  name: string;
  clientId: string;
  clientSecret: string;
}

/** An OpenID Connect provider (`"type": "oidc"`, the default), found by discovery. */
export interface OpenIdProviderConfig extends ProviderBase {
  type: 'oidc';
  /** Issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. https, or http on loopback only. */
  issuer: string;
}

/** GitHub or GitHub Enterprise Server (`"type": "github"`): plain OAuth 2 endpoints and its REST API, no discovery. */
export interface GitHubProviderConfig extends ProviderBase {
  type: 'github';
  /** `authorization_endpoint`: default `https://github.com/login/oauth/authorize` (Enterprise: `https://HOST/login/oauth/authorize`). */
  authorizationEndpoint: string;
  /** `token_endpoint`: default `https://github.com/login/oauth/access_token`. */
  tokenEndpoint: string;
  /** `api_url`, without a trailing `/`: default `https://api.github.com` (Enterprise: `https://HOST/api/v3`). */
  apiUrl: string;
  /** `timeout_ms`: how long one request to GitHub may take before the sign-in fails (default 10000). */
  timeoutMs: number;
}

const MB = 1024 * 1024;

export const DEFAULT_TIERS: Config['tiers'] = Object.freeze({
  free: Object.freeze({
    wikis: 1,
    pagesPerWiki: 500,
    collaboratorsPerWiki: 3,
    attachmentBytesPerWiki: 50 * MB,
    attachmentBytes: 10 * MB,
    gitPush: false,
  }),
  premium: Object.freeze({
    wikis: 12,
    pagesPerWiki: 10_000,
    collaboratorsPerWiki: 25,
    attachmentBytesPerWiki: 1024 * MB,
    attachmentBytes: 25 * MB,
    gitPush: true,
  }),
});

const TIER_KEYS = [
  'wikis',
  'pagesPerWiki',
  'collaboratorsPerWiki',
  'attachmentBytesPerWiki',
  'attachmentBytes',
  'gitPush',
] as const;

/**
 * Tier limits: the defaults, with any limits given in WIKIBOT_TIERS (JSON such as
 * `{"free": {"wikis": 2}, "premium": {"attachmentBytesPerWiki": 2147483648}}`) replacing them.
 */
function parseTiers(raw: string | undefined): Config['tiers'] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TIERS;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`WIKIBOT_TIERS must be JSON like {"free": {"wikis": 2}}, got "${raw}"`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError('WIKIBOT_TIERS must be a JSON object with "free" and/or "premium"');
  const out: Record<'free' | 'premium', TierLimits> = {
    free: { ...DEFAULT_TIERS.free },
    premium: { ...DEFAULT_TIERS.premium },
  };
  for (const [tier, limits] of Object.entries(value as Record<string, unknown>)) {
    if (tier !== 'free' && tier !== 'premium')
      throw new ConfigError(`WIKIBOT_TIERS: unknown tier "${tier}" (free or premium)`);
    if (limits === null || typeof limits !== 'object' || Array.isArray(limits))
      throw new ConfigError(`WIKIBOT_TIERS.${tier} must be an object of limits`);
    for (const [key, v] of Object.entries(limits as Record<string, unknown>)) {
      if (!(TIER_KEYS as readonly string[]).includes(key))
        throw new ConfigError(`WIKIBOT_TIERS.${tier}: unknown limit "${key}" (one of ${TIER_KEYS.join(', ')})`);
      if (key === 'gitPush') {
        if (typeof v !== 'boolean') throw new ConfigError(`WIKIBOT_TIERS.${tier}.gitPush must be true or false`);
        out[tier].gitPush = v;
      } else {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
          throw new ConfigError(`WIKIBOT_TIERS.${tier}.${key} must be a whole number of 0 or more`);
        out[tier][key as Exclude<(typeof TIER_KEYS)[number], 'gitPush'>] = v;
      }
    }
  }
  return Object.freeze({ free: Object.freeze(out.free), premium: Object.freeze(out.premium) });
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Source = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function flag(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** A base64 key that decodes to exactly 32 bytes (AES-256). */
function secretKey(name: string, raw: string): string {
  const text = raw.trim();
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new ConfigError(
      `${name} must be 32 random bytes in base64 (e.g. the output of: openssl rand -base64 32), got ${bytes.length} bytes`,
    );
  }
  return bytes.toString('base64');
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const GITHUB_DEFAULTS = {
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
  api_url: 'https://api.github.com',
} as const;

/** The fields each kind of provider takes; anything else is named as unknown. */
const PROVIDER_FIELDS = {
  oidc: ['type', 'id', 'name', 'issuer', 'client_id', 'client_secret'],
  github: [
    'type',
    'id',
    'name',
    'client_id',
    'client_secret',
    'authorization_endpoint',
    'token_endpoint',
    'api_url',
    'timeout_ms',
  ],
} as const;

/**
 * WIKIBOT_OIDC_PROVIDERS: `[{"id": "google", "name": "Google", "issuer": "https://accounts.google.com",
 * "client_id": "…", "client_secret": "…"}, {"id": "github", "name": "GitHub", "type": "github", "client_id": "…",
 * "client_secret": "…"}]`. Every mistake is named with the provider's position and field.
 */
function parseOidcProviders(raw: string | undefined): readonly OidcProviderConfig[] {
  const name = 'WIKIBOT_OIDC_PROVIDERS';
  if (raw === undefined || raw.trim() === '') return Object.freeze([]);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      `${name} must be a JSON array like [{"id": "google", "name": "Google", "issuer": "https://accounts.google.com", "client_id": "…", "client_secret": "…"}]`,
    );
  }
  if (!Array.isArray(value)) throw new ConfigError(`${name} must be a JSON array of providers`);
  const seen = new Set<string>();
  const out = value.map((entry: unknown, i): OidcProviderConfig => {
    const at = `${name}[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new ConfigError(`${at} must be an object with id, name, issuer, client_id and client_secret`);
    const e = entry as Record<string, unknown>;
    const type = e.type ?? 'oidc';
    if (type !== 'oidc' && type !== 'github')
      throw new ConfigError(`${at}.type must be "oidc" or "github", got ${JSON.stringify(type)}`);
    const fields: readonly string[] = PROVIDER_FIELDS[type];
    for (const key of Object.keys(e)) {
      if (!fields.includes(key))
        throw new ConfigError(`${at}: unknown field "${key}" for type "${type}" (${fields.join(', ')})`);
    }
    const text = (key: string): string => {
      const v = e[key];
      if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${at}.${key} must be a non-empty string`);
      return v.trim();
    };
    // https everywhere, except a provider on this machine (a local test stand-in).
    const url = (key: string, fallback?: string): string => {
      const given = e[key] === undefined && fallback !== undefined ? fallback : text(key);
      let parsed: URL;
      try {
        parsed = new URL(given);
      } catch {
        throw new ConfigError(`${at}.${key} must be a URL, got "${given}"`);
      }
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
        throw new ConfigError(`${at}.${key} must be an https URL (plain http only on localhost), got "${given}"`);
      }
      return given;
    };
    const id = text('id');
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(id))
      throw new ConfigError(`${at}.id must be 1 to 31 lowercase letters, digits or "-", got "${id}"`);
    if (seen.has(id)) throw new ConfigError(`${at}.id "${id}" is used by two providers`);
    seen.add(id);
    const base = { id, name: text('name'), clientId: text('client_id'), clientSecret: text('client_secret') };
    if (type === 'oidc') return Object.freeze({ type, ...base, issuer: url('issuer') });
    const timeout = e.timeout_ms ?? 10_000;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 100 || timeout > 60_000) {
      throw new ConfigError(
        `${at}.timeout_ms must be a whole number of milliseconds from 100 to 60000, got ${JSON.stringify(timeout)}`,
      );
    }
    return Object.freeze({
      type,
      ...base,
      authorizationEndpoint: url('authorization_endpoint', GITHUB_DEFAULTS.authorization_endpoint),
      tokenEndpoint: url('token_endpoint', GITHUB_DEFAULTS.token_endpoint),
      apiUrl: url('api_url', GITHUB_DEFAULTS.api_url).replace(/\/+$/, ''),
      timeoutMs: timeout,
    });
  });
  return Object.freeze(out);
}

function adminEmail(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const email = raw.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
    throw new ConfigError(`WIKIBOT_ADMIN_EMAIL must be an email address, got "${raw}"`);
  return email;
}

/** `smtp://[user:pass@]host[:port]` or `smtps://…`; the value is kept as given (nodemailer reads it). */
function smtpUrl(raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw.trim());
  } catch {
    url = null;
  }
  if (
    !url ||
    (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') ||
    url.hostname === '' ||
    (url.pathname !== '' && url.pathname !== '/')
  ) {
    throw new ConfigError(
      `WIKIBOT_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465, got "${raw.replace(/\/\/[^@/]*@/, '//…@')}"`,
    );
  }
  return raw.trim();
}

/** An address (`a@b`) or a display name with one (`Name <a@b>`), on one line. */
function smtpFrom(raw: string): string {
  const text = raw.trim();
  if (!/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(text)) {
    throw new ConfigError(
      `WIKIBOT_SMTP_FROM must be an address like wiki@example.org or "Wikibot <wiki@example.org>", got "${raw}"`,
    );
  }
  return text;
}

/**
 * Builds the configuration. `flags` are command-line values by setting name (`host`, `port`, `data`); `env` is
 * usually `process.env`. Throws ConfigError naming the bad setting.
 */
export function loadConfig(flags: Partial<Record<'host' | 'port' | 'data', string>> = {}, env: Source = {}): Config {
  const pick = (flag: 'host' | 'port' | 'data' | null, envName: string): [string, string] | null => {
    if (flag && flags[flag] !== undefined) return [`--${flag}`, flags[flag]];
    const value = env[envName];
    return value !== undefined && value !== '' ? [envName, value] : null;
  };

  const host = pick('host', 'WIKIBOT_HOST');
  if (host && !/^[A-Za-z0-9.:[\]-]+$/.test(host[1]))
    throw new ConfigError(`${host[0]} is not a host name or address: "${host[1]}"`);
  const port = pick('port', 'WIKIBOT_PORT');
  const data = pick('data', 'WIKIBOT_DATA');
  if (data && data[1].trim() === '') throw new ConfigError(`${data[0]} must not be empty`);
  const baseUrl = pick(null, 'WIKIBOT_BASE_URL');
  if (baseUrl && !/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(baseUrl[1])) {
    throw new ConfigError(`WIKIBOT_BASE_URL must be an http(s) URL, got "${baseUrl[1]}"`);
  }
  const level = pick(null, 'WIKIBOT_LOG_LEVEL');
  if (level && !(LOG_LEVELS as readonly string[]).includes(level[1])) {
    throw new ConfigError(`WIKIBOT_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level[1]}"`);
  }
  const num = (envName: string, fallback: number, min: number, max: number): number => {
    const v = pick(null, envName);
    return v ? integer(v[0], v[1], min, max) : fallback;
  };

  const bool = (envName: string): boolean => {
    const v = pick(null, envName);
    return v ? flag(v[0], v[1]) : false;
  };
  const key = pick(null, 'WIKIBOT_SECRET_KEY');
  const smtp = pick(null, 'WIKIBOT_SMTP_URL');
  const from = pick(null, 'WIKIBOT_SMTP_FROM');
  if (smtp && !from)
    throw new ConfigError(
      'WIKIBOT_SMTP_FROM must be set with WIKIBOT_SMTP_URL (the sender of verification and reset mail)',
    );

  return Object.freeze({
    host: host?.[1] ?? '127.0.0.1',
    port: port ? integer(port[0], port[1], 0, 65535) : 8080,
    dataDir: resolve(data?.[1] ?? 'data'),
    baseUrl: baseUrl ? baseUrl[1].replace(/\/$/, '') : null,
    logLevel: (level?.[1] as Config['logLevel'] | undefined) ?? 'info',
    maxPageChars: num('WIKIBOT_MAX_PAGE_CHARS', 1_000_000, 1000, 100_000_000),
    maxBodyBytes: num('WIKIBOT_MAX_BODY_BYTES', 40 * MB, 64 * 1024, 2048 * MB),
    gitProcesses: num('WIKIBOT_GIT_PROCESSES', 64, 2, 10_000),
    pageCacheMb: num('WIKIBOT_PAGE_CACHE_MB', 32, 0, 4096),
    gitIdleMs: num('WIKIBOT_GIT_IDLE_MS', 30_000, 100, 86_400_000),
    openIndexes: num('WIKIBOT_OPEN_INDEXES', 256, 2, 100_000),
    tiers: parseTiers(pick(null, 'WIKIBOT_TIERS')?.[1]),
    adminEmail: adminEmail(pick(null, 'WIKIBOT_ADMIN_EMAIL')?.[1]),
    rateLimitPerIp: num('WIKIBOT_RATE_LIMIT_IP', 6000, 0, 100_000_000),
    rateLimitPerUser: num('WIKIBOT_RATE_LIMIT_USER', 6000, 0, 100_000_000),
    rateLimitWindowS: num('WIKIBOT_RATE_LIMIT_WINDOW_S', 60, 1, 86_400),
    trustProxy: bool('WIKIBOT_TRUST_PROXY'),
    templateAllowPrivate: bool('WIKIBOT_TEMPLATE_ALLOW_PRIVATE'),
    templateAllowHttp: bool('WIKIBOT_TEMPLATE_ALLOW_HTTP'),
    templateAllowLocal: bool('WIKIBOT_TEMPLATE_ALLOW_LOCAL'),
    templateMaxBytes: num('WIKIBOT_TEMPLATE_MAX_BYTES', 50 * MB, 1024, 100 * 1024 * MB),
    templateTimeoutMs: num('WIKIBOT_TEMPLATE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    secretKey: key ? secretKey(key[0], key[1]) : null,
    syncIntervalMs: num('WIKIBOT_SYNC_INTERVAL_MS', 15 * 60_000, 1000, 7 * 86_400_000),
    smtpUrl: smtp ? smtpUrl(smtp[1]) : null,
    smtpFrom: from ? smtpFrom(from[1]) : null,
    oidcProviders: parseOidcProviders(pick(null, 'WIKIBOT_OIDC_PROVIDERS')?.[1]),
  });
}
