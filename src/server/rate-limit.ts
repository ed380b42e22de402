import { PatronError } from '../lib/errors.ts';

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface BucketRule {
  readonly burst: number;
  readonly perSecond: number;
}

/** The limits the server applies; each caller (key, signed-in user, login IP or email) has its own bucket. */
export interface RateLimits {
  /** Tracking calls per write key; /v1/batch carries up to 500 KB, so 500 requests/s is far above 10k events/s. */
  readonly writeKey: BucketRule;
  /** Admin API calls per secret key. */
  readonly secretKey: BucketRule;
  /** Console calls per signed-in user. */
  readonly user: BucketRule;
  /** Sign-in attempts per client IP address. */
  readonly loginIp: BucketRule;
  /** Sign-in attempts per email address (slows password guessing spread over many addresses). */
  readonly loginEmail: BucketRule;
}

export const defaultRateLimits: RateLimits = {
  writeKey: { burst: 2000, perSecond: 500 },
  secretKey: { burst: 500, perSecond: 50 },
  user: { burst: 300, perSecond: 30 },
  loginIp: { burst: 20, perSecond: 1 / 6 },
  loginEmail: { burst: 10, perSecond: 1 / 60 },
};

interface Bucket {
  tokens: number;
  at: number;
}

// Buckets are dropped when this many exist; a dropped bucket starts full again, which only errs towards
// letting a caller through.
const maxBuckets = 100_000;

/**
 * In-memory token buckets, one process's view: several processes each allow the limit (documented in
 * docs/access.md). No database query, so the tracking API keeps its throughput.
 */
export function createRateLimiter(limits: RateLimits = defaultRateLimits, now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  /** Takes one token for `key` under `rule`, or throws limit_reached with the seconds to wait (→ 429 and Retry-After). */
  const take = (rule: keyof RateLimits, key: string, what: string): void => {
    const { burst, perSecond } = limits[rule];
    const id = `${rule}:${key}`;
    const t = now();
    const bucket = buckets.get(id);
    const tokens = bucket ? Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond) : burst;
    if (tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perSecond));
      if (bucket) bucket.tokens = tokens;
      if (bucket) bucket.at = t;
      throw new PatronError('limit_reached', `Too many requests for ${what}: at most ${burst} at once and ${formatRate(perSecond)}; retry in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
    if (!bucket && buckets.size >= maxBuckets) buckets.clear();
    buckets.set(id, { tokens: tokens - 1, at: t });
  };
  return { take, limits };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

function formatRate(perSecond: number): string {
  return perSecond >= 1 ? `${perSecond} a second` : `${Math.round(perSecond * 60)} a minute`;
}
