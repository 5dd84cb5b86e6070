/**
 * Rate limits for the APIs (REST under /api/ and MCP): a fixed window per client IP address and per user (a user is
 * counted by the token they send, whatever their address). Over the limit, 429 RATE_LIMITED with `Retry-After`.
 * `RateLimiter` is a plain counter so other doors (sign-in throttling) can reuse it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { hashToken, looksLikeToken } from '../../auth/tokens.js';
import { tokenOwner, type Services } from '../../usecases/index.js';

interface Window {
  count: number;
  resetAt: number;
}

/** Counts hits per key in fixed windows; `limit` 0 allows everything. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one hit; returns null when allowed, or the seconds until the key may try again. */
  hit(key: string): number | null {
    if (this.limit <= 0) return null;
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    if (w.count <= this.limit) return null;
    return Math.max(1, Math.ceil((w.resetAt - now) / 1000));
  }

  /** Drops expired windows once per window length, so memory follows the active clients only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}

/** Paths the API limits apply to: the REST API and the MCP endpoints. */
function isApiPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path.startsWith('/api/') || path === '/mcp' || path.endsWith('/mcp');
}

/**
 * Adds the per-IP and per-user limits from the configuration to every API request. The user behind a token is looked
 * up once and remembered (a revoked token still counts against its user until it falls out of the cache, which is
 * harmless: the request is refused anyway).
 */
export function registerRateLimit(app: FastifyInstance, services: Services): void {
  const { rateLimitPerIp, rateLimitPerUser, rateLimitWindowS } = services.config;
  if (rateLimitPerIp <= 0 && rateLimitPerUser <= 0) return;
  const byIp = new RateLimiter(rateLimitPerIp, rateLimitWindowS * 1000);
  const byUser = new RateLimiter(rateLimitPerUser, rateLimitWindowS * 1000);
  const userOfToken = new LRUCache<string, number>({ max: 10_000 });

  const refuse = (reply: FastifyReply, retryAfter: number, who: 'address' | 'user') =>
    reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .send({
        error: 'RATE_LIMITED',
        message: `Too many requests from this ${who}; try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
        data: {
          retry_after: retryAfter,
          limit: who === 'address' ? rateLimitPerIp : rateLimitPerUser,
          window_seconds: rateLimitWindowS,
        },
      });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isApiPath(request.url)) return;
    const ipWait = byIp.hit(request.ip);
    if (ipWait !== null) return refuse(reply, ipWait, 'address');
    const userId = await userIdOf(request, services, userOfToken);
    if (userId) {
      const userWait = byUser.hit(`u${userId}`);
      if (userWait !== null) return refuse(reply, userWait, 'user');
    }
    return undefined;
  });
}

async function userIdOf(request: FastifyRequest, services: Services, cache: LRUCache<string, number>): Promise<number> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const token = match?.[1];
  if (!token || !looksLikeToken(token)) return 0;
  // Keyed by the token's hash: the cache keeps no secrets.
  const hash = hashToken(token);
  const cached = cache.get(hash);
  if (cached !== undefined) return cached;
  const id = (await tokenOwner(services, token)) ?? 0;
  cache.set(hash, id);
  return id;
}
