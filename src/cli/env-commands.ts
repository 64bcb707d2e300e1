/**
 * `agentwire env`, `up`, `down` and `doctor`: resolve the environment without running checks,
 * keep one running for other test runners, stop it, and explain what this machine offers.
 */

import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, configJsonSchema, findConfigFile } from '../config/index.js';
import { ErrorCode } from '../errors.js';
import { ExitCode } from '../runner/index.js';
import { describeResolution } from '../suite/index.js';
import {
  diagnose,
  formatDecision,
  formatDecisions,
  isAlive,
  parseTierList,
  type Resolution,
  type ResolveOptions,
  readUpState,
  removeUpFiles,
  resolveEnvironment,
  statePaths,
  stopFromState,
  TierError,
  TierErrorCode,
  type TierName,
  toShellExports,
  writeUpFiles,
} from '../tiers/index.js';
import { CliError, usageError } from './errors.js';
import { addResolveOptions } from './resolve-options.js';

export interface EnvCommandOptions {
  config?: string;
  tier?: string;
  requireTier?: TierName;
  fallback?: boolean;
  json?: boolean;
  allowSkip?: boolean;
  printSchema?: boolean;
  detach?: boolean;
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const processIo = (): CommandIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});

/** The resolution flags `env`, `up` and `run` share. */
export function registerEnvCommands(program: Command): void {
  addResolveOptions(
    program
      .command('env')
      .description('resolve the environment (no checks run) and print the variables a test runner needs')
      .option('--json', 'print JSON: variables, services, profile and every decision')
      .option('--print-schema', 'print the JSON Schema of agentwire.config.json and exit'),
  ).action(async (options: EnvCommandOptions) => {
    process.exitCode = await runEnv(options, processIo());
  });

  addResolveOptions(
    program
      .command('up')
      .description(
        'resolve and start the environment, keep it running, write .agentwire/env and a state file',
      )
      .option('--detach', 'return once the environment is ready, leaving it running in the background'),
  ).action(async (options: EnvCommandOptions) => {
    process.exitCode = await runUp(options, processIo());
  });

  program
    .command('down')
    .description('stop what "agentwire up" started')
    .option('--config <path>', 'config file used by "up"')
    .action(async (options: EnvCommandOptions) => {
      process.exitCode = await runDown(options, processIo());
    });

  program
    .command('doctor')
    .description(
      'explain what this machine offers each tier (docker, compose, binaries, ports, config), with fixes',
    )
    .option('--config <path>', 'config file to check')
    .option('--json', 'print JSON')
    .action(async (options: EnvCommandOptions) => {
      process.exitCode = await runDoctor(options, processIo());
    });
}

function resolveOptionsOf(options: EnvCommandOptions, io: CommandIo): ResolveOptions {
  let tiers: TierName[] | undefined;
  try {
    tiers = options.tier ? parseTierList(options.tier) : undefined;
  } catch (error) {
    throw usageError(TierErrorCode.unknownTier, (error as TierError).message);
  }
  return {
    cwd: io.cwd,
    configPath: options.config,
    tiers,
    requireTier: options.requireTier,
    noFallback: options.fallback === false,
    env: io.env,
  };
}

async function resolveOrExplain(options: ResolveOptions): Promise<Resolution> {
  try {
    return await resolveEnvironment(options);
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.code, error.message);
    throw error;
  }
}

function unresolvedExit(
  resolution: Extract<Resolution, { status: 'unresolved' }>,
  options: EnvCommandOptions,
  io: CommandIo,
): number {
  io.stderr(
    `agentwire: ${resolution.code}: ${resolution.message}\n${resolution.reasons.map((r) => `  - ${r}`).join('\n')}\n`,
  );
  if (options.allowSkip) {
    io.stderr('agentwire: --allow-skip: exiting 0 although no environment was resolved\n');
    return ExitCode.ok;
  }
  return ExitCode.notChecked;
}

/** `env` resolves and releases: the URLs it prints are for reading, not for connecting later. */
const ENV_STOPS_NOTE =
  '# these services were stopped when "agentwire env" ended; "agentwire up" keeps them running (its env file also holds the secret or token)';

export async function runEnv(options: EnvCommandOptions, io: CommandIo): Promise<number> {
  if (options.printSchema) {
    io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return ExitCode.ok;
  }
  const resolution = await resolveOrExplain(resolveOptionsOf(options, io));
  try {
    if (options.json) {
      // `env` releases what it resolved before it exits; `up` keeps it.
      io.stdout(`${JSON.stringify({ ...describeResolution(resolution), stopped_on_exit: true }, null, 2)}\n`);
    } else {
      io.stderr(`${formatDecisions(resolution.decisions)}\n`);
      if (resolution.status === 'resolved') {
        io.stdout(`${toShellExports(resolution.printableVariables)}\n`);
        io.stdout(`${ENV_STOPS_NOTE}\n`);
      }
    }
    return resolution.status === 'resolved' ? ExitCode.ok : unresolvedExit(resolution, options, io);
  } finally {
    await resolution.release();
  }
}

function stateBaseDir(options: EnvCommandOptions, io: CommandIo): string {
  const config = options.config ? options.config : findConfigFile(io.cwd);
  return config ? dirname(resolve(io.cwd, config)) : io.cwd;
}

export async function runUp(options: EnvCommandOptions, io: CommandIo): Promise<number> {
  const baseDir = stateBaseDir(options, io);
  const existing = await readUpState(baseDir);
  if (existing && isAlive(existing.pid)) {
    throw new CliError(
      ErrorCode.AW_ENV_ALREADY_UP,
      `an environment is already up (pid ${existing.pid}, ${statePaths(baseDir).state}): run "agentwire down" first`,
      ExitCode.usage,
    );
  }
  if (options.detach) return detachUp(baseDir, io);

  const resolution = await resolveOrExplain({
    ...resolveOptionsOf(options, io),
    onDecision: (d) => io.stderr(`${formatDecision(d)}\n`),
  });
  if (resolution.status === 'unresolved') return unresolvedExit(resolution, options, io);
  await writeUpFiles(
    baseDir,
    {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      configPath: resolution.configPath,
      resources: resolution.resources(),
      variables: resolution.printableVariables,
    },
    toShellExports(resolution.variables),
  );
  io.stdout(`${toShellExports(resolution.printableVariables)}\n`);
  io.stderr(
    `agentwire: environment up; variables, with the secret or token to connect, in ${statePaths(baseDir).env} (source it); "agentwire down" or Ctrl+C stops it\n`,
  );
  // Stays registered until cleanup is over, so the teardown's own signal handler leaves the
  // exit to us instead of re-raising the signal mid-cleanup.
  let stop = () => {};
  const stopped = new Promise<void>((resolveWait) => {
    stop = () => resolveWait();
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Signal listeners alone do not keep Node running; the environment must stay up until told.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await stopped;
  clearInterval(keepAlive);
  await resolution.release();
  await removeUpFiles(baseDir);
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  io.stderr('agentwire: environment stopped\n');
  return ExitCode.ok;
}

/** Starts `agentwire up` again in the background and waits until it wrote its state file. */
async function detachUp(baseDir: string, io: CommandIo): Promise<number> {
  const paths = statePaths(baseDir);
  await mkdir(paths.dir, { recursive: true });
  const logPath = `${paths.dir}/up.log`;
  const log = openSync(logPath, 'w');
  const args = process.argv.slice(1).filter((arg) => arg !== '--detach');
  const child = spawn(process.execPath, args, {
    cwd: io.cwd,
    env: io.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline && !exited) {
    if (existsSync(paths.state)) {
      io.stdout(`${paths.env}\n`);
      io.stderr(
        `agentwire: environment up in the background (pid ${child.pid}, log ${logPath}); "agentwire down" stops it\n`,
      );
      return ExitCode.ok;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!exited) child.kill('SIGTERM');
  io.stderr(`agentwire: the background "up" did not get ready; see ${logPath}\n`);
  return exited && child.exitCode !== null ? child.exitCode : ExitCode.notChecked;
}

export async function runDown(options: EnvCommandOptions, io: CommandIo): Promise<number> {
  try {
    const done = await stopFromState(stateBaseDir(options, io));
    io.stderr(
      `${done.length ? done.map((line) => `agentwire: ${line}`).join('\n') : 'agentwire: nothing was running any more'}\n`,
    );
    return ExitCode.ok;
  } catch (error) {
    // Nothing up is the state `down` is asked to reach: done, not an error.
    if (error instanceof TierError && error.code === TierErrorCode.stateMissing) {
      io.stderr('agentwire: nothing to stop: no environment is up here\n');
      return ExitCode.ok;
    }
    if (error instanceof TierError) throw usageError(error.code, error.message);
    throw error;
  }
}

export async function runDoctor(options: EnvCommandOptions, io: CommandIo): Promise<number> {
  const findings = await diagnose({ cwd: io.cwd, configPath: options.config, env: io.env });
  if (options.json) {
    io.stdout(`${JSON.stringify(findings, null, 2)}\n`);
  } else {
    const mark = { ok: '✔', warn: '!', error: '✘' } as const;
    for (const f of findings) {
      io.stdout(
        `${mark[f.status]} ${f.subject.padEnd(16)} ${f.detail}${f.fix ? `\n  ${''.padEnd(16)} fix: ${f.fix}` : ''}\n`,
      );
    }
  }
  return findings.some((f) => f.status === 'error') ? 1 : ExitCode.ok;
}
