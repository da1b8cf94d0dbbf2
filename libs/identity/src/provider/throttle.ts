/** Failed sign-ins tolerated per username and per client address within the window. */
export const FAILED_SIGNIN_LIMIT = 5;
/** The window failed sign-ins are counted over, seconds (15 minutes). */
export const FAILED_SIGNIN_WINDOW_S = 15 * 60;

/**
 * Counts failed sign-ins per username and per client address over a sliding window. Once either
 * reaches the limit, every attempt for it is refused (even with the right password) until the
 * oldest failure leaves the window: guessing costs time, and a correct guess is not confirmed.
 * In memory: a restart of the provider forgets the counts (it also signs everyone out).
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = FAILED_SIGNIN_LIMIT,
    private readonly windowMs = FAILED_SIGNIN_WINDOW_S * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again, or 0 when an attempt may go ahead. */
  retryAfterSeconds(username: string, address: string): number {
    const waits = [this.keyOf('user', username), this.keyOf('addr', address)].map((key) => {
      const recent = this.recent(key);
      if (recent.length < this.limit) return 0;
      return Math.max(1, Math.ceil((recent[recent.length - this.limit] + this.windowMs - this.now()) / 1000));
    });
    return Math.max(...waits);
  }

  recordFailure(username: string, address: string): void {
    for (const key of [this.keyOf('user', username), this.keyOf('addr', address)]) {
      this.failures.set(key, [...this.recent(key), this.now()]);
    }
  }

  /** A successful sign-in clears the username's count (not the address's). */
  recordSuccess(username: string): void {
    this.failures.delete(this.keyOf('user', username));
  }

  private keyOf(kind: 'user' | 'addr', value: string): string {
    return `${kind}:${value.trim().toLowerCase()}`;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}
