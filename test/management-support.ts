/**
 * Helpers for the management API tests: users with a token for all wikis (the credential that may manage), and
 * loose reading of management answers (the shared harness types page answers only).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as uc from '../src/usecases/index.js';
import type { RequestOptions, TestResponse, TestServer } from './harness.js';

export interface Member {
  username: string;
  email: string;
  /** A token for every wiki, write scope: may manage. */
  token: string;
  call(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

/** Creates a user (free tier unless `tier` says otherwise) and a manager token for all wikis. */
export async function makeMember(h: TestServer, username: string, tier: 'free' | 'premium' | 'lapsed' = 'free'): Promise<Member> {
  const email = `${username}@example.test`;
  await uc.createUser(h.services, { username, email, password: null });
  if (tier !== 'free') await uc.setUserTier(h.services, username, tier);
  const token = (await uc.createToken(h.services, { username, scope: 'write' })).token;
  return { username, email, token, call: (method, path, options = {}) => h.request(method, path, { token, ...options }) };
}

/** The parsed JSON answer, as a loose record. */
export function body(res: TestResponse): Record<string, unknown> {
  return JSON.parse(res.text) as Record<string, unknown>;
}

/** Where a wiki lives on disk: its repository and its index file. */
export function wikiFiles(h: TestServer, owner: string, slug: string): { repo: string; index: string } {
  return { repo: join(h.dataDir, 'repos', owner, `${slug}.git`), index: join(h.dataDir, 'index', owner, `${slug}.sqlite`) };
}

export function onDisk(path: string): boolean {
  return existsSync(path);
}
