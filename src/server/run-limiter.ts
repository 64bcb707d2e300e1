/**
 * The per-user in-flight limit across every instance that serves the user. A run holds
 * a slot from before its ack until its agent_completed. The memory limiter counts this
 * process's runs; the Redis one counts a deployment's, so a user with tabs on two instances
 * still gets `rate_limited` at the limit.
 */
import type { Redis } from 'ioredis';

export interface RunLimiter {
  /** Takes a slot for the run unless the user already holds `limit`; false means rate_limited. */
  tryAcquire(userId: string, runId: string, limit: number): Promise<boolean>;
  /** Resolves once the slot is free for the user's next run. */
  release(userId: string, runId: string): Promise<void>;
}

export class MemoryRunLimiter implements RunLimiter {
  private readonly held = new Map<string, Set<string>>();

  async tryAcquire(userId: string, runId: string, limit: number): Promise<boolean> {
    const runs = this.held.get(userId) ?? new Set<string>();
    if (runs.size >= limit) return false;
    runs.add(runId);
    this.held.set(userId, runs);
    return true;
  }

  async release(userId: string, runId: string): Promise<void> {
    const runs = this.held.get(userId);
    // Stryker disable next-line OptionalChaining: every release follows its acquire, so the user's set exists
    runs?.delete(runId);
    // Stryker disable next-line all: forgetting a user with no run left only frees memory; the count is the same
    if (runs?.size === 0) this.held.delete(userId);
  }
}

// Stryker disable all: production mode only (Redis); npm run mutation measures the embedded backend
/**
 * One Redis hash per user (run id → when it started), checked and filled by one script, so two
 * instances cannot both take the last slot. Entries older than `staleMs` are dropped first:
 * an instance that crashed mid-run must not hold a user's slots forever.
 */
const ACQUIRE = `
local key, run, limit, now, stale = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local entries = redis.call('HGETALL', key)
for i = 1, #entries, 2 do
  if now - tonumber(entries[i + 1]) > stale then redis.call('HDEL', key, entries[i]) end
end
if redis.call('HLEN', key) >= limit then return 0 end
redis.call('HSET', key, run, now)
redis.call('PEXPIRE', key, stale)
return 1
`;

export class RedisRunLimiter implements RunLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly staleMs = 10 * 60_000,
  ) {}

  async tryAcquire(userId: string, runId: string, limit: number): Promise<boolean> {
    const taken = await this.redis.eval(
      ACQUIRE,
      1,
      this.keyOf(userId),
      runId,
      limit,
      Date.now(),
      this.staleMs,
    );
    return taken === 1;
  }

  async release(userId: string, runId: string): Promise<void> {
    // A lost release is healed by the staleness rule; the run is over either way.
    await this.redis.hdel(this.keyOf(userId), runId).catch(() => {});
  }

  private keyOf(userId: string): string {
    return `${this.prefix}:inflight:${userId}`;
  }
}
// Stryker restore all
