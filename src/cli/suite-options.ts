/**
 * The options of every command that runs the suite (`run`, `monitor`): the target, the checks,
 * the pace, the faults and the seed, with the client options (tokens, headers, TLS) and the
 * environment's resolve options. Defined once, so both commands accept and check the same flags;
 * `planOptionsOf` maps them onto the library's `planRun`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { PROFILES } from '../runner/profile.js';
// Types only: the suite's code loads when a command runs, not when its options are registered.
import type { RunOptions } from '../suite/plan.js';
import type { TierName } from '../tiers/index.js';
import { addClientOptions, type ClientCliOptions, type ClientSetup } from './client-options.js';
import { collect, parseHttpUrl, parsePositiveInt, parseTargetUrl, parseWholeNumber } from './options.js';
import { addResolveOptions } from './resolve-options.js';

export interface SuiteCliOptions extends ClientCliOptions {
  target?: URL;
  httpUrl?: URL;
  allowedOrigin?: string;
  checks?: string;
  pace?: string;
  concurrency?: number;
  timeout?: number;
  profile: string;
  fault: string[];
  seed?: number;
  config?: string;
  tier?: string;
  requireTier?: TierName;
  fallback?: boolean;
  allowSkip?: boolean;
}

/** The target, check and pace options, then the client and the resolve options. */
export function addSuiteOptions(command: Command): Command {
  command
    .option(
      '--target <url>',
      'URL to check, skipping tier resolution: ws(s):// for AEP/1, http(s)://…/agent for --profile ag-ui',
      parseTargetUrl,
    )
    .option(
      '--allowed-origin <url>',
      'an Origin the target accepts (the embedded backend is started allowing it too); enables the Origin rejection checks',
    )
    .option(
      '--http-url <url>',
      'http(s) base URL for /health (default: derived from the target)',
      parseHttpUrl('--http-url'),
    )
    .option(
      '--checks <glob>',
      'only checks whose id matches, case-insensitive ("R-2.*", "R-5.1" = "R-5.1/*", "*,!R-6.4/*" excludes)',
    )
    .option(
      '--pace <name>',
      `execution profile: ${Object.keys(PROFILES).join(', ')} (default: the one the resolved tier calls for)`,
    )
    .option(
      '--concurrency <n>',
      'checks at once (overrides the profile)',
      parseWholeNumber('--concurrency', 1, 1000),
    )
    .option(
      '--timeout <ms>',
      'per-check timeout in ms (overrides the profile)',
      parsePositiveInt('--timeout'),
    )
    .option('--profile <name>', 'protocol profile: aep (WebSocket) or ag-ui (HTTP + SSE)', 'aep')
    .option(
      '--fault <name>',
      'inject a deliberate bug into the in-process reference backend (repeatable; see "agentwire faults")',
      collect,
      [],
    )
    .option('--seed <n>', 'seed for generated input such as fuzzed frames (default: random)', parseSeed);
  return addResolveOptions(addClientOptions(command));
}

/** planRun's options from the command line (the client options already read and checked). */
export function planOptionsOf(options: SuiteCliOptions, client: ClientSetup): RunOptions {
  return {
    ...(client.tokenSource ? { tokenSource: client.tokenSource } : {}),
    ...(client.transport ? { transport: client.transport } : {}),
    protocol: options.profile as RunOptions['protocol'],
    ...(options.target ? { target: options.target } : {}),
    ...(options.httpUrl ? { httpUrl: options.httpUrl } : {}),
    ...(options.jwtSecret ? { jwtSecret: options.jwtSecret } : {}),
    ...(options.allowedOrigin ? { allowedOrigin: options.allowedOrigin } : {}),
    ...(options.checks ? { checks: options.checks } : {}),
    ...(options.pace === undefined ? {} : { pace: options.pace }),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeout ? { timeoutMs: options.timeout } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.tier ? { tier: options.tier } : {}),
    ...(options.requireTier ? { requireTier: options.requireTier } : {}),
    ...(options.fallback === false ? { fallback: false } : {}),
    allowSkip: Boolean(options.allowSkip),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    faults: options.fault,
    cwd: process.cwd(),
    env: process.env,
  };
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seed) || seed >= 2 ** 31) {
    throw new InvalidArgumentError(`--seed must be an integer from 0 to ${2 ** 31 - 1}, got "${value}"`);
  }
  return seed;
}
