/**
 * Upload requests per account per second (best_practices.md, "Observe
 * Upload Limits": 100 a second, 429 beyond). A token bucket per account:
 * `ratePerSecond` tokens, refilled continuously, so a burst of that many is
 * allowed and the steady rate is the limit. 0 turns the limit off.
 */
import type { Clock } from '../ports/clock.js';

interface Bucket {
  tokens: number;
  atMs: number;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Buckets idle this long are full again and are forgotten, so the map stays small. */
const FORGET_AFTER_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastPruneMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
  ) {}

  /** Take one token from `key`'s bucket, or say how long to wait for one. */
  take(key: string): RateDecision {
    if (this.ratePerSecond <= 0) return { allowed: true };
    const now = this.clock.nowMs();
    this.prune(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.ratePerSecond, atMs: now };
    const elapsedMs = Math.max(0, now - bucket.atMs);
    bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = ((1 - bucket.tokens) * 1000) / this.ratePerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private prune(now: number): void {
    if (now - this.lastPruneMs < FORGET_AFTER_MS) return;
    this.lastPruneMs = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.atMs > FORGET_AFTER_MS) this.buckets.delete(key);
  }
}
