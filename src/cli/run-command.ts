/**
 * `agentwire run`: parse options → plan → acquire the target → run the suite → exit code from
 * the report. The pipeline is the library's (src/suite); this file only maps flags onto it and
 * turns Ctrl+C into an aborted run, whose partial report is still written (exit 130).
 */
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { ErrorCode } from '../errors.js';
import type { Reporter } from '../report/index.js';
import { clientSetupOf, insecureWarning } from './client-options.js';
import { CliError, usageError } from './errors.js';
import { listChecks } from './list.js';
import { parseNonEmpty, parsePositiveInt, parseWholeNumber } from './options.js';
import { addSuiteOptions, planOptionsOf, type SuiteCliOptions } from './suite-options.js';

interface RunCliOptions extends SuiteCliOptions {
  reportDir: string;
  list?: boolean;
  json?: boolean;
  minExecuted: number;
  maxUnsupported?: number;
  require?: string;
  repeat: number;
  minPassRate: number;
  reporter: string[];
}

const REPORTERS = ['github'] as const;

function parseReporter(value: string, previous: string[] = []): string[] {
  if (!(REPORTERS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`unknown --reporter "${value}"; known: ${REPORTERS.join(', ')}`);
  return [...previous, value];
}

function parsePassRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidArgumentError(`--min-pass-rate takes a number from 0 to 1 (0.95 = 95%), got "${value}"`);
  return rate;
}

export function registerRunCommand(program: Command): void {
  const run = addSuiteOptions(
    program
      .command('run')
      .description(
        'run the AEP/1 conformance suite against the resolved environment (the embedded reference backend by default) or --target',
      ),
  )
    .option(
      '--report-dir <dir>',
      'where report.json, junit.xml and report.html are written',
      parseNonEmpty('--report-dir', 'name a directory (the default is agentwire-report)'),
      'agentwire-report',
    )
    .option('--list', 'list the checks with rule, title and required capabilities, then exit')
    .option('--json', 'print the report as JSON on stdout (progress stays on stderr)')
    .option(
      '--min-executed <n>',
      'exit 2 unless at least n checks were executed',
      parsePositiveInt('--min-executed'),
      1,
    )
    .option(
      '--max-unsupported <n>',
      'exit 2 when more than n checks are unsupported (0: every selected check must be executable)',
      parsePositiveInt('--max-unsupported'),
    )
    .option(
      '--require <glob>',
      'exit 2 unless every check whose id matches was executed (e.g. "R-5.*,scenario/*")',
    )
    .option(
      '--repeat <n>',
      'run the checks n times against one target, fresh sessions each time; report.json gains "stability"',
      parseWholeNumber('--repeat', 1, 10_000),
      1,
    )
    .option(
      '--min-pass-rate <r>',
      'with --repeat: exit 1 when a check passed in fewer than this share of the runs it executed in',
      parsePassRate,
      1,
    )
    .option(
      '--reporter <name>',
      'an extra reporter: github (::error annotations, $GITHUB_STEP_SUMMARY; on by itself when GITHUB_ACTIONS=true)',
      parseReporter,
      [],
    );
  run.action(async (options: RunCliOptions) => {
    process.exitCode = await runFromCli(options);
  });
}

async function runFromCli(options: RunCliOptions): Promise<number> {
  if (options.list) {
    process.stdout.write(
      listChecks({
        profile: options.profile,
        ...(options.checks ? { checks: options.checks } : {}),
        ...(options.target ? { target: options.target } : {}),
        json: Boolean(options.json),
      }),
    );
    return 0;
  }
  // Loaded only for a run: the checks, the protocol libraries, the tiers and the reporters.
  const [{ acquireTarget, planRun, ReporterError, runSuite }, reporting, { runRepeated }] = await Promise.all(
    [import('../suite/index.js'), import('../report/index.js'), import('./repeat.js')],
  );
  const {
    colours,
    ensureWritableDir,
    REPORT_FILE_NAMES,
    ReportWriteError,
    reportFileReporters,
    terminalReporter,
  } = reporting;
  const client = await clientSetupOf(options, process.env);
  const plan = planRun({
    ...planOptionsOf(options, client),
    minExecuted: options.minExecuted,
    ...(options.maxUnsupported === undefined ? {} : { maxUnsupported: options.maxUnsupported }),
    ...(options.require ? { require: options.require } : {}),
  });
  try {
    await ensureWritableDir(options.reportDir);
  } catch (error) {
    if (error instanceof ReportWriteError) throw usageError(ErrorCode.AW_REPORT_DIR, error.message);
    throw error;
  }
  const grey = colours(process.stderr).grey;
  const insecure = insecureWarning(client);
  if (insecure) process.stderr.write(`${colours(process.stderr).red(insecure)}\n`);
  const abort = new AbortController();
  const interrupt = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write(
      'agentwire: interrupted: stopping the checks and writing a partial report (Ctrl+C again to quit at once)\n',
    );
    abort.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await using target = await acquireTarget(plan, {
      signal: abort.signal,
      observer: { onDecision: (_, line) => process.stderr.write(`${grey(`env ${line}`)}\n`) },
    });
    const reporters = [
      ...reportFileReporters(options.reportDir),
      terminalReporter({
        json: Boolean(options.json),
        reportPaths: REPORT_FILE_NAMES.map((name) => join(options.reportDir, name)),
      }),
      ...extraReporters(options.reporter, reporting.githubReporter),
    ];
    const onWarning = (message: string) => process.stderr.write(`agentwire: warning: ${message}\n`);
    if (options.repeat > 1) {
      return await runRepeated(plan, target, {
        times: options.repeat,
        minPassRate: options.minPassRate,
        reporters,
        signal: abort.signal,
        onWarning,
      });
    }
    const report = await runSuite(plan, target, {
      signal: abort.signal,
      reporters,
      observer: { onWarning },
    });
    return report.exit_code;
  } catch (error) {
    if (error instanceof ReporterError && error.cause instanceof ReportWriteError)
      throw new CliError(ErrorCode.AW_REPORT_WRITE, error.cause.message);
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** --reporter github, or GITHUB_ACTIONS=true (set by every GitHub Actions runner). */
function extraReporters(
  names: readonly string[],
  githubReporter: typeof import('../report/index.js').githubReporter,
): Reporter[] {
  const github = names.includes('github') || process.env.GITHUB_ACTIONS === 'true';
  return github
    ? [
        githubReporter({
          write: (text) => process.stdout.write(text),
          ...(process.env.GITHUB_STEP_SUMMARY ? { summaryFile: process.env.GITHUB_STEP_SUMMARY } : {}),
        }),
      ]
    : [];
}
