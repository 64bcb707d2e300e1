/**
 * A load run, in one of two workload models:
 * - closed: `sessions` virtual users started evenly over `rampMs`, each sending its runs
 *   (thinking between them) and then holding its session;
 * - open: users arrive at `arrival.ratePerS` for `arrival.durationMs`, whatever the server's
 *   speed, each doing the same; latencies count from the intended times (coordinated omission).
 * With `shard i/n` this process runs every n-th user of the whole plan (user ids stay unique
 * across machines) on the same schedule, so n shards on n machines produce the plan's total
 * rate; their reports merge into one (load-report.ts).
 */
import { performance } from 'node:perf_hooks';
import type { ClientTransport } from '../client/transport.js';
import type { Scenario } from '../protocol/index.js';
import { LoadMetrics } from './metrics.js';
import { pause, runVirtualUser, Stop, type VirtualUserPlan } from './virtual-user.js';

export interface Shard {
  index: number;
  count: number;
}

export interface Arrival {
  ratePerS: number;
  durationMs: number;
}

export interface LoadPlan {
  /** Instances of one deployment: user n connects to urls[n mod urls.length]. */
  urls: string[];
  origin?: string;
  /** Gateway headers and TLS trust for every session (--header, --ca, --insecure). */
  transport?: ClientTransport;
  /** Local addresses to connect from: user n uses localAddresses[n mod count]. */
  localAddresses: string[];
  /** Users of the whole plan, over every shard (open model: rate × duration). */
  sessions: number;
  shard: Shard;
  rampMs: number;
  /** The open model: users arrive at this rate; absent, the closed model with `rampMs`. */
  arrival?: Arrival;
  runsPerSession: number;
  thinkMs: number;
  thinkJitterMs: number;
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
  phase: 'warm-up' | 'run';
  elapsedMs: number;
  started: number;
  /** Users of this shard (the warm-up's sessions during the warm-up). */
  planned: number;
  open: number;
  metrics: LoadMetrics;
}

export interface LoadHooks {
  /** A token for the user: returned at once when it can be (thousands are minted before a run). */
  token(userId: string): string | Promise<string>;
  signal?: AbortSignal;
  onProgress?(progress: LoadProgress): void;
  /** The server's resident memory in bytes, when the server is a process this run can see. */
  sampleServerRss?(): Promise<number | undefined>;
}

export interface LoadOutcome {
  metrics: LoadMetrics;
  elapsedMs: number;
  /** Users this shard planned to run. */
  sessions: number;
  /** Users started before the end (fewer than `sessions` when interrupted). */
  started: number;
  peakOpen: number;
  peakServerRssBytes: number | undefined;
  /** Stopped by the signal; `during` says in which phase. */
  interrupted: { during: 'warm-up' | 'run' } | undefined;
}

/** Timeline resolution: one point a second. */
const TICK_MS = 1000;
const PROGRESS_MS = 250;
/** Warm-up sessions start this far apart: a steady trickle, not a burst. */
const WARMUP_STEP_MS = 2;

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new RangeError(`--shard takes i/n with 1 ≤ i ≤ n (e.g. 2/4), got "${text}"`);
  return { index, count };
}

/** `N/s` (or `N`) arrivals per second. */
export function parseArrivalRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*$/.exec(text);
  const rate = Number(match?.[1]);
  if (!match || !(rate > 0) || rate > 100_000)
    throw new RangeError(
      `--arrival-rate takes sessions per second, e.g. 50/s (above 0, at most 100000), got "${text}"`,
    );
  return rate;
}

/** The user numbers of the whole plan that this shard runs. */
export function shardUsers(sessions: number, shard: Shard): number[] {
  const users: number[] = [];
  for (let user = shard.index - 1; user < sessions; user += shard.count) users.push(user);
  return users;
}

/** When user `user` (of the whole plan) is meant to start, in ms after the run's start. */
function startOffsetMs(plan: LoadPlan, user: number, position: number, count: number): number {
  if (plan.arrival) return (user * 1000) / plan.arrival.ratePerS;
  return count > 1 ? (position * plan.rampMs) / (count - 1) : 0;
}

/**
 * What user `user` does, every field written out. Not `{ ...shared, url, token, … }`: V8 gives
 * each object built from a spread followed by more fields a hidden class of its own, so every
 * session would carry one (kilobytes) and every read of its plan would miss the inline caches.
 */
function userPlanOf(
  plan: LoadPlan,
  user: number,
  token: string,
  intendedStartMs: number,
  phase: LoadProgress['phase'],
): VirtualUserPlan {
  // A warm-up user runs once, at once, and leaves: no thinking, no hold.
  const run = phase === 'run';
  const addresses = plan.localAddresses;
  return {
    url: plan.urls[user % plan.urls.length]!,
    token,
    origin: plan.origin,
    transport: plan.transport,
    localAddress: addresses.length ? addresses[user % addresses.length] : undefined,
    runs: run ? plan.runsPerSession : 1,
    scenario: plan.scenario,
    text: plan.text,
    thinkMs: run ? plan.thinkMs : 0,
    thinkJitterMs: run ? plan.thinkJitterMs : 0,
    holdMs: run ? plan.holdMs : 0,
    handshakeTimeoutMs: plan.handshakeTimeoutMs,
    runTimeoutMs: plan.runTimeoutMs,
    intendedStartMs,
    fromIntendedTime: run && plan.arrival !== undefined,
  };
}

export async function runLoad(plan: LoadPlan, hooks: LoadHooks): Promise<LoadOutcome> {
  const stop = new Stop();
  if (hooks.signal?.aborted) stop.stop();
  hooks.signal?.addEventListener('abort', () => stop.stop(), { once: true });

  if (plan.warmupSessions > 0) {
    const warmup = new LoadMetrics();
    const warmupStarted = performance.now();
    let launched = 0;
    const progress = setInterval(
      () =>
        hooks.onProgress?.({
          phase: 'warm-up',
          elapsedMs: performance.now() - warmupStarted,
          started: launched,
          planned: plan.warmupSessions,
          open: warmup.openSessions,
          metrics: warmup,
        }),
      PROGRESS_MS,
    );
    try {
      const tokens = await Promise.all(
        Array.from({ length: plan.warmupSessions }, (_, index) =>
          hooks.token(`u_load_${plan.runTag}_s${plan.shard.index}_warmup_${index}`),
        ),
      );
      const running: Promise<void>[] = [];
      for (const [index, token] of tokens.entries()) {
        const wait = warmupStarted + index * WARMUP_STEP_MS - performance.now();
        if (wait > 1) await pause(wait, stop);
        if (stop.aborted) break;
        launched++;
        running.push(
          runVirtualUser(userPlanOf(plan, index, token, performance.now(), 'warm-up'), warmup, stop),
        );
      }
      await Promise.all(running);
    } finally {
      clearInterval(progress);
    }
    if (stop.aborted)
      return {
        metrics: new LoadMetrics(),
        elapsedMs: 0,
        sessions: shardUsers(plan.sessions, plan.shard).length,
        started: 0,
        peakOpen: 0,
        peakServerRssBytes: await hooks.sampleServerRss?.(),
        interrupted: { during: 'warm-up' },
      };
  }

  const metrics = new LoadMetrics();
  const users = shardUsers(plan.sessions, plan.shard);
  // Tokens first: signing inside the ramp would skew its pace.
  const tokens: string[] = [];
  for (const user of users) {
    if (stop.aborted) break;
    const token = hooks.token(`u_load_${plan.runTag}_${user}`);
    tokens.push(typeof token === 'string' ? token : await token);
  }
  const started = performance.now();
  let peakRss: number | undefined;
  let launched = 0;
  let nextTick = TICK_MS;
  const sampler = setInterval(() => {
    const elapsedMs = performance.now() - started;
    while (elapsedMs >= nextTick) {
      metrics.tick(nextTick);
      nextTick += TICK_MS;
    }
    hooks.onProgress?.({
      phase: 'run',
      elapsedMs,
      started: launched,
      planned: users.length,
      open: metrics.openSessions,
      metrics,
    });
    void hooks.sampleServerRss?.().then((rss) => {
      if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss);
    });
  }, PROGRESS_MS);

  const running: Promise<void>[] = [];
  try {
    for (let position = 0; position < tokens.length; position++) {
      if (stop.aborted) break;
      const user = users[position]!;
      const intendedStartMs = started + startOffsetMs(plan, user, position, users.length);
      const wait = intendedStartMs - performance.now();
      if (wait > 1) await pause(wait, stop);
      if (stop.aborted) break;
      launched++;
      running.push(
        runVirtualUser(userPlanOf(plan, user, tokens[position]!, intendedStartMs, 'run'), metrics, stop),
      );
      // The token is no longer needed here: let it go with the session.
      tokens[position] = '';
    }
    await Promise.all(running);
  } finally {
    clearInterval(sampler);
  }
  const elapsedMs = performance.now() - started;
  if (elapsedMs - (nextTick - TICK_MS) > 50) metrics.tick(elapsedMs);
  const lastRss = await hooks.sampleServerRss?.();
  if (lastRss !== undefined) peakRss = Math.max(peakRss ?? 0, lastRss);
  return {
    metrics,
    elapsedMs,
    sessions: users.length,
    started: launched,
    peakOpen: metrics.peakOpenSessions,
    peakServerRssBytes: peakRss,
    interrupted: stop.aborted ? { during: 'run' } : undefined,
  };
}
