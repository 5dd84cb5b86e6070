/**
 * The OAuth server's keys, kept in the metadata store so that every process (and every restart) signs and verifies
 * with the same ones: ES256 signing keys published as a JWKS with `kid`, and the secret that signs its cookies.
 *
 * Rotation adds a new signing key and retires the current one. A retired key signs nothing more but stays published
 * (and accepted) for as long as a token it signed can live, then is deleted at the next rotation.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { MetaStore, OAuthKey } from '../../meta/meta-store.js';

/** Access tokens live this long; a retired key stays published this long (plus a margin) after its retirement. */
export const ACCESS_TOKEN_TTL_S = 3600;
const RETIRED_KEY_GRACE_MS = (ACCESS_TOKEN_TTL_S + 300) * 1000;

export interface SigningKeys {
  /** Private JWKs, the current signing key first, then retired ones still valid for verification. */
  keys: JWK[];
  /** The `kid` of the current signing key. */
  currentKid: string;
  /** Cookie-signing secrets, newest first. */
  cookieSecrets: string[];
}

async function newSigningKey(now: Date): Promise<OAuthKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, use: 'sig', material: JSON.stringify(jwk), createdAt: now.toISOString(), retiredAt: null };
}

/** Whether a key may still verify tokens at `now`: current, or retired less than an access token's lifetime ago. */
function published(key: OAuthKey, now: Date): boolean {
  return key.retiredAt === null || now.getTime() - Date.parse(key.retiredAt) < RETIRED_KEY_GRACE_MS;
}

/** Loads the keys, creating a signing key and a cookie secret on first use. */
export async function loadKeys(meta: MetaStore, now = new Date()): Promise<SigningKeys> {
  let all = await meta.listOAuthKeys();
  let created = false;
  if (!all.some((k) => k.use === 'sig' && k.retiredAt === null)) {
    await meta.addOAuthKey(await newSigningKey(now));
    created = true;
  }
  if (!all.some((k) => k.use === 'cookie')) {
    const secret = randomBytes(32).toString('base64url');
    await meta.addOAuthKey({ kid: `cookie-${randomUUID()}`, use: 'cookie', material: secret, createdAt: now.toISOString(), retiredAt: null });
    created = true;
  }
  if (created) all = await meta.listOAuthKeys();
  // Two processes starting at once may each create a first key: the newest unretired one signs, the other verifies.
  const sig = all.filter((k) => k.use === 'sig' && published(k, now));
  const current = sig.filter((k) => k.retiredAt === null).at(-1)!;
  const rest = sig.filter((k) => k !== current).reverse();
  return {
    keys: [current, ...rest].map((k) => JSON.parse(k.material) as JWK),
    currentKid: current.kid,
    cookieSecrets: all.filter((k) => k.use === 'cookie').map((k) => k.material).reverse(),
  };
}

export interface RotationResult {
  /** The new signing key. */
  kid: string;
  /** Keys retired now: they verify tokens for another hour, then go. */
  retired: string[];
  /** Retired keys whose tokens have all expired, deleted now. */
  deleted: string[];
}

/**
 * Makes a new signing key current. The previous ones keep verifying the tokens they signed until those expire;
 * keys retired longer ago than that are deleted.
 */
export async function rotateSigningKey(meta: MetaStore, now = new Date()): Promise<RotationResult> {
  const before = await meta.listOAuthKeys();
  const key = await newSigningKey(now);
  await meta.addOAuthKey(key);
  const retired: string[] = [];
  const deleted: string[] = [];
  for (const k of before) {
    if (k.use !== 'sig') continue;
    if (k.retiredAt === null) {
      await meta.retireOAuthKey(k.kid, now.toISOString());
      retired.push(k.kid);
    } else if (!published(k, now)) {
      await meta.deleteOAuthKey(k.kid);
      deleted.push(k.kid);
    }
  }
  return { kid: key.kid, retired, deleted };
}

/** The public half of private JWKs, as served at `/.well-known/jwks.json`. */
export function publicJwks(keys: readonly JWK[]): { keys: JWK[] } {
  return { keys: keys.map(({ kty, crv, x, y, n, e, kid, alg, use }) => Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use }).filter(([, v]) => v !== undefined)) as JWK) };
}
