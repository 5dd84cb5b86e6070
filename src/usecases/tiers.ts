/**
 * Tier limits as they apply to one wiki: its owner's tier decides (a lapsed premium owner falls back to free limits,
 * and the policy makes the wiki read-only).
 */
import type { TierLimits } from '../config.js';
import type { OpenWiki } from './wiki-access.js';

export function tierLimits(w: OpenWiki): TierLimits {
  const tiers = w.services.config.tiers;
  return w.access.ownerTier === 'premium' ? tiers.premium : tiers.free;
}
