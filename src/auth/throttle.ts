/**
 * Sign-in throttling against password guessing, shared by every sign-in form (the web wiki's `/-/signin` and the
 * OAuth authorization pages): failed attempts are counted per address and account and per address in fixed
 * windows; over either limit, the next attempt (even with the right password) waits. Successful sign-ins are not
 * counted, so a busy office behind one address is not locked out by its own people.
 */

/** Failed attempts allowed per address and account, and per address, in a 15-minute window. */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const SIGN_IN_PER_ACCOUNT = 10;
export const SIGN_IN_PER_ADDRESS = 50;

interface Window {
  count: number;
  resetAt: number;
}

export class SignInThrottle {
  private readonly windows = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    readonly perAccount = SIGN_IN_PER_ACCOUNT,
    readonly perAddress = SIGN_IN_PER_ADDRESS,
    readonly windowMs = SIGN_IN_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds this address must wait before trying `login` again, or null when it may try now. Counts nothing. */
  wait(ip: string, login: string): number | null {
    const now = this.now();
    this.sweep(now);
    let longest: number | null = null;
    for (const [key, limit] of this.keys(ip, login)) {
      const w = this.windows.get(key);
      if (w && w.resetAt > now && w.count >= limit) longest = Math.max(longest ?? 0, Math.max(1, Math.ceil((w.resetAt - now) / 1000)));
    }
    return longest;
  }

  /** Records one failed attempt of `login` from `ip`. */
  failed(ip: string, login: string): void {
    const now = this.now();
    for (const [key] of this.keys(ip, login)) {
      let w = this.windows.get(key);
      if (!w || w.resetAt <= now) {
        w = { count: 0, resetAt: now + this.windowMs };
        this.windows.set(key, w);
      }
      w.count += 1;
    }
  }

  private keys(ip: string, login: string): Array<[string, number]> {
    return [
      [`a ${ip}`, this.perAddress],
      [`u ${ip} ${login.trim().toLowerCase()}`, this.perAccount],
    ];
  }

  /** Drops expired windows once per window length, so memory follows the active addresses only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}

const shared = new WeakMap<object, SignInThrottle>();

/** The throttle of one running server (keyed by its services object): every sign-in form counts in the same one. */
export function signInThrottleOf(owner: object): SignInThrottle {
  let t = shared.get(owner);
  if (!t) {
    t = new SignInThrottle();
    shared.set(owner, t);
  }
  return t;
}

/** The message shown with a 429. */
export const tooManyAttempts = (waitSeconds: number) => `Too many sign-in attempts. Try again in ${Math.ceil(waitSeconds / 60)} minute(s).`;
