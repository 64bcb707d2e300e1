/**
 * A load run: `sessions` virtual users started evenly over `rampMs`, each sending its runs and
 * then holding its session, all at once. With `shard i/n` this process runs every n-th user of
 * the whole plan (user ids stay unique across machines) over the same ramp, so n shards on n
 * machines produce the plan's total rate; their reports merge into one (load-report.ts).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../protocol/index.js';
import { LoadMetrics } from './metrics.js';
import { runVirtualUser, stopOf } from './virtual-user.js';

export interface Shard {
  index: number;
  count: number;
}

export interface LoadPlan {
  /** Instances of one deployment: user n connects to urls[n mod urls.length]. */
  urls: string[];
  origin?: string;
  /** Users of the whole plan, over every shard. */
  sessions: number;
  shard: Shard;
  rampMs: number;
  runsPerSession: number;
  holdMs: number;
  scenario: Scenario;
  text: string;
  handshakeTimeoutMs: number;
  runTimeoutMs: number;
  /** Distinguishes this run's users from another run's on the same target. */
  runTag: string;
  /**
   * Sessions run first and left out of the numbers, so a freshly started server's JIT warm-up
   * does not count as its latency.
   */
  warmupSessions: number;
}

export interface LoadProgress {
  elapsedMs: number;
  started: number;
  open: number;
  metrics: LoadMetrics;
}

export interface LoadHooks {
  token(userId: string): Promise<string>;
  signal?: AbortSignal;
  onProgress?(progress: LoadProgress): void;
  /** The server's resident memory in bytes, when the server is a process this run can see. */
  sampleServerRss?(): Promise<number | undefined>;
}

export interface LoadOutcome {
  metrics: LoadMetrics;
  elapsedMs: number;
  /** Users this shard ran. */
  sessions: number;
  peakOpen: number;
  peakServerRssBytes: number | undefined;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new RangeError(`--shard takes i/n with 1 ≤ i ≤ n (e.g. 2/4), got "${text}"`);
  return { index, count };
}

/** The user numbers of the whole plan that this shard runs. */
export function shardUsers(sessions: number, shard: Shard): number[] {
  const users: number[] = [];
  for (let user = shard.index - 1; user < sessions; user += shard.count) users.push(user);
  return users;
}

export async function runLoad(plan: LoadPlan, hooks: LoadHooks): Promise<LoadOutcome> {
  if (plan.warmupSessions > 0) {
    const warmup = new LoadMetrics();
    const tokens = await Promise.all(
      Array.from({ length: plan.warmupSessions }, (_, index) =>
        hooks.token(`u_load_${plan.runTag}_s${plan.shard.index}_warmup_${index}`),
      ),
    );
    const controller = new AbortController();
    await Promise.all(
      tokens.map(async (token, index) => {
        await sleep(index * 2);
        const url = plan.urls[index % plan.urls.length]!;
        await runVirtualUser({ ...plan, url, runs: 1, holdMs: 0, token }, warmup, stopOf(controller.signal));
      }),
    );
  }
  const metrics = new LoadMetrics();
  const users = shardUsers(plan.sessions, plan.shard);
  // Tokens first: signing inside the ramp would skew its pace.
  const tokens = await Promise.all(
    users.map(async (user) => ({
      token: await hooks.token(`u_load_${plan.runTag}_${user}`),
      url: plan.urls[user % plan.urls.length]!,
    })),
  );
  const controller = new AbortController();
  hooks.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const stop = stopOf(controller.signal);
  const step = users.length > 1 ? plan.rampMs / (users.length - 1) : 0;
  const started = performance.now();
  let open = 0;
  let peakOpen = 0;
  let peakRss: number | undefined;
  let launched = 0;

  const sampler = setInterval(() => {
    hooks.onProgress?.({ elapsedMs: performance.now() - started, started: launched, open, metrics });
    void hooks.sampleServerRss?.().then((rss) => {
      if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss);
    });
  }, 250);

  const running: Promise<void>[] = [];
  try {
    for (const [position, { token, url }] of tokens.entries()) {
      if (controller.signal.aborted) break;
      const due = started + position * step;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      launched++;
      open++;
      peakOpen = Math.max(peakOpen, open);
      running.push(
        runVirtualUser({ ...plan, url, runs: plan.runsPerSession, token }, metrics, stop).finally(() => {
          open--;
        }),
      );
    }
    await Promise.all(running);
  } finally {
    clearInterval(sampler);
  }
  const lastRss = await hooks.sampleServerRss?.();
  if (lastRss !== undefined) peakRss = Math.max(peakRss ?? 0, lastRss);
  return {
    metrics,
    elapsedMs: performance.now() - started,
    sessions: users.length,
    peakOpen,
    peakServerRssBytes: peakRss,
  };
}
