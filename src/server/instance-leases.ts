/**
 * Which instance executes which run, and whether that instance is still alive. Each
 * instance holds a lease it renews; each run it starts is recorded under it. When a lease lapses
 * (the instance crashed, or stalled past its lease), the first survivor to look takes the
 * instance's runs over — moved under its own name in one atomic step, so of several survivors
 * racing exactly one gets each run, and if that survivor dies too the runs pass on again.
 * In memory for an embedded cluster; in Redis (a key with a TTL per instance) in production.
 */
import type { Redis } from 'ioredis';

/** What a survivor needs to end a run it did not start. */
export interface RunRecord {
  runId: string;
  threadId: string;
  userId: string;
  inputId: string;
}

export interface LapsedInstance {
  instanceId: string;
  /** Now recorded under the claimer, which forgets each once it has ended it. */
  runs: RunRecord[];
}

export interface InstanceLeases {
  /** Registers the instance and takes its lease for `ttlMs`. */
  join(instanceId: string, ttlMs: number): Promise<void>;
  /**
   * Extends the lease. False when it had lapsed and a survivor took the instance's runs over:
   * they are no longer this instance's to finish (it joins again with none).
   */
  renew(instanceId: string, ttlMs: number): Promise<boolean>;
  recordRun(instanceId: string, run: RunRecord): Promise<void>;
  forgetRun(instanceId: string, runId: string): Promise<void>;
  /** The run as recorded by whichever instance executes it; undefined once it is forgotten. */
  findRun(runId: string): Promise<RunRecord | undefined>;
  /** Takes over the runs of every other instance whose lease lapsed; each goes to one claimer. */
  claimLapsed(claimerId: string): Promise<LapsedInstance[]>;
  /** A graceful stop: the lease ends now and nothing is left to take over. */
  leave(instanceId: string): Promise<void>;
}

interface MemoryInstance {
  expiresAtMs: number;
  runs: Map<string, RunRecord>;
}

/** The embedded cluster's leases: one process, so each call is atomic by construction. */
export class MemoryInstanceLeases implements InstanceLeases {
  private readonly instances = new Map<string, MemoryInstance>();

  constructor(private readonly now: () => number = Date.now) {}

  async join(instanceId: string, ttlMs: number): Promise<void> {
    const existing = this.instances.get(instanceId);
    if (existing) existing.expiresAtMs = this.now() + ttlMs;
    else this.instances.set(instanceId, { expiresAtMs: this.now() + ttlMs, runs: new Map() });
  }

  async renew(instanceId: string, ttlMs: number): Promise<boolean> {
    const instance = this.instances.get(instanceId);
    if (!instance) return false;
    instance.expiresAtMs = this.now() + ttlMs;
    return true;
  }

  async recordRun(instanceId: string, run: RunRecord): Promise<void> {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new Error(`instance ${instanceId} holds no lease`);
    instance.runs.set(run.runId, run);
  }

  async forgetRun(instanceId: string, runId: string): Promise<void> {
    this.instances.get(instanceId)?.runs.delete(runId);
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    for (const instance of this.instances.values()) {
      const run = instance.runs.get(runId);
      if (run) return run;
    }
    return undefined;
  }

  async claimLapsed(claimerId: string): Promise<LapsedInstance[]> {
    const claimer = this.instances.get(claimerId);
    if (!claimer) return [];
    const now = this.now();
    const lapsed: LapsedInstance[] = [];
    for (const [instanceId, instance] of this.instances) {
      if (instanceId === claimerId || instance.expiresAtMs > now) continue;
      this.instances.delete(instanceId);
      const runs = [...instance.runs.values()];
      for (const run of runs) claimer.runs.set(run.runId, run);
      lapsed.push({ instanceId, runs });
    }
    return lapsed;
  }

  async leave(instanceId: string): Promise<void> {
    this.instances.delete(instanceId);
  }
}

// KEYS: the set of instances. ARGV: prefix, instance, ttl.
const JOIN = `
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SET', ARGV[1] .. ':lease:' .. ARGV[2], '1', 'PX', ARGV[3])
return 1
`;

// A lapsed lease is renewed only while nobody took the instance over (it is still a member).
const RENEW = `
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 0 then return 0 end
redis.call('SET', ARGV[1] .. ':lease:' .. ARGV[2], '1', 'PX', ARGV[3])
return 1
`;

// KEYS: the set of instances. ARGV: prefix, run. The run's record under whichever member holds it.
const FIND = `
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local run = redis.call('HGET', ARGV[1] .. ':runs:' .. member, ARGV[2])
  if run then return run end
end
return false
`;

// Every member without a lease loses its membership and its runs to the claimer, in one step.
// Returns [instance, runCount, run json..., instance, runCount, ...].
const CLAIM = `
local prefix, claimer = ARGV[1], ARGV[2]
if redis.call('SISMEMBER', KEYS[1], claimer) == 0 then return {} end
local out = {}
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if member ~= claimer and redis.call('EXISTS', prefix .. ':lease:' .. member) == 0 then
    local runs = redis.call('HGETALL', prefix .. ':runs:' .. member)
    out[#out + 1] = member
    out[#out + 1] = tostring(#runs / 2)
    for i = 1, #runs, 2 do
      redis.call('HSET', prefix .. ':runs:' .. claimer, runs[i], runs[i + 1])
      out[#out + 1] = runs[i + 1]
    end
    redis.call('DEL', prefix .. ':runs:' .. member)
    redis.call('SREM', KEYS[1], member)
  end
end
return out
`;

/** Production leases: `<prefix>:lease:<instance>` with a TTL, runs in `<prefix>:runs:<instance>`. */
export class RedisInstanceLeases implements InstanceLeases {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async join(instanceId: string, ttlMs: number): Promise<void> {
    await this.redis.eval(JOIN, 1, this.membersKey, this.prefix, instanceId, ttlMs);
  }

  async renew(instanceId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.membersKey, this.prefix, instanceId, ttlMs)) === 1;
  }

  async recordRun(instanceId: string, run: RunRecord): Promise<void> {
    await this.redis.hset(this.runsKey(instanceId), run.runId, JSON.stringify(run));
  }

  async forgetRun(instanceId: string, runId: string): Promise<void> {
    await this.redis.hdel(this.runsKey(instanceId), runId);
  }

  async findRun(runId: string): Promise<RunRecord | undefined> {
    const found = (await this.redis.eval(FIND, 1, this.membersKey, this.prefix, runId)) as string | null;
    return found === null ? undefined : (JSON.parse(found) as RunRecord);
  }

  async claimLapsed(claimerId: string): Promise<LapsedInstance[]> {
    const flat = (await this.redis.eval(CLAIM, 1, this.membersKey, this.prefix, claimerId)) as string[];
    const lapsed: LapsedInstance[] = [];
    for (let index = 0; index < flat.length; ) {
      const instanceId = flat[index++]!;
      const count = Number(flat[index++]);
      const runs = flat.slice(index, index + count).map((text) => JSON.parse(text) as RunRecord);
      index += count;
      lapsed.push({ instanceId, runs });
    }
    return lapsed;
  }

  async leave(instanceId: string): Promise<void> {
    await this.redis
      .multi()
      .srem(this.membersKey, instanceId)
      .del(`${this.prefix}:lease:${instanceId}`, this.runsKey(instanceId))
      .exec();
  }

  private get membersKey(): string {
    return `${this.prefix}:instances`;
  }

  private runsKey(instanceId: string): string {
    return `${this.prefix}:runs:${instanceId}`;
  }
}
