/**
 * `agentwire monitor`: the suite against one acquired target at every tick of --every, each run
 * stored in a SQLite history, alerts on the terminal and to a webhook (src/monitor); and
 * `agentwire monitor report`, the history as one HTML page. This file maps flags onto planRun,
 * acquireTarget and the monitor loop, and turns Ctrl+C into a clean stop: the run in flight is
 * aborted, what was recorded stays, the target is released, exit 130.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { ErrorCode, ExitCode } from '../errors.js';
import {
  DEFAULT_DURATION_THRESHOLDS,
  formatInterval,
  History,
  HistoryError,
  MonitorOptionError,
  parseFactor,
  parseInterval,
  parseWebhookUrl,
  renderMonitorHtml,
  runMonitor,
  statusChanges,
  type WebhookTarget,
} from '../monitor/index.js';
import { colours, writeFilesAtomically } from '../report/index.js';
import { acquireTarget, planRun } from '../suite/index.js';
import { redactUrl } from '../tiers/redact.js';
import { clientSetupOf, insecureWarning } from './client-options.js';
import { CliError, notCheckedError, usageError } from './errors.js';
import { parsePositiveInt, parseWholeNumber } from './options.js';
import { addSuiteOptions, planOptionsOf, type SuiteCliOptions } from './suite-options.js';

interface MonitorCliOptions extends SuiteCliOptions {
  every?: number;
  history?: string;
  webhook?: string;
  runs?: number;
  durationRegression: number;
  durationMinMs: number;
  durationWindow: number;
}

/** A MonitorOptionError as commander's kind of argument error (exit 64 with the message). */
function asArgument<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof MonitorOptionError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

export function registerMonitorCommand(program: Command): void {
  const monitor = program
    .command('monitor')
    .description(
      'run the checks against one target at every --every, store each run in a SQLite --history, alert (terminal, --webhook) when a check stops passing, fewer checks execute or a check gets slower',
    )
    .enablePositionalOptions()
    .option(
      '--every <interval>',
      'time between run starts: 30s, 5m, 1h (1s to 24h)',
      asArgument(parseInterval),
    )
    .option('--history <file.sqlite>', 'SQLite file the runs are stored in (created when new)')
    .option('--webhook <url>', 'POST the alerts as JSON here (only its origin is ever printed)')
    .option(
      '--runs <n>',
      'stop after n recorded runs (default: until Ctrl+C)',
      parseWholeNumber('--runs', 1, 1_000_000),
    )
    .option(
      '--duration-regression <factor>',
      'alert when a passing check takes more than factor × its median over the last --duration-window runs',
      asArgument((value) => parseFactor(value)),
      DEFAULT_DURATION_THRESHOLDS.factor,
    )
    .option(
      '--duration-min-ms <ms>',
      '…and at least this many ms more than that median (small checks do not alert on jitter)',
      parsePositiveInt('--duration-min-ms'),
      DEFAULT_DURATION_THRESHOLDS.minMs,
    )
    .option(
      '--duration-window <n>',
      'runs the duration median is taken over',
      parseWholeNumber('--duration-window', 1, 1000),
      DEFAULT_DURATION_THRESHOLDS.window,
    );
  addSuiteOptions(monitor).action(async (options: MonitorCliOptions) => {
    process.exitCode = await monitorFromCli(options);
  });

  monitor
    .command('report')
    .description(
      'render a monitor history as one self-contained HTML page: trend charts, checks that changed, alerts',
    )
    .requiredOption('--history <file.sqlite>', 'the SQLite file "agentwire monitor" wrote')
    .option('--out <file>', 'the HTML file to write', 'monitor.html')
    .action(async (options: { history: string; out: string }) => {
      const history = openHistory(options.history, 'read');
      let runs: ReturnType<History['allRuns']>;
      try {
        runs = history.allRuns();
      } finally {
        history.close();
      }
      try {
        await writeFilesAtomically([
          { path: options.out, content: renderMonitorHtml(runs, options.history) },
        ]);
      } catch (error) {
        throw usageError(
          ErrorCode.AW_MONITOR_REPORT_WRITE,
          `--out ${options.out} cannot be written (${error instanceof Error ? error.message : String(error)}): name a file in a directory that exists and can be written`,
        );
      }
      process.stderr.write(
        `wrote ${options.out}: ${runs.length} runs, ${statusChanges(runs).length} status changes, ${runs.reduce((sum, run) => sum + run.alerts.length, 0)} alerts\n`,
      );
    });
}

function openHistory(path: string, mode: 'read' | 'write'): History {
  try {
    return History.open(path, mode);
  } catch (error) {
    if (error instanceof HistoryError)
      throw usageError(
        error.problem === 'missing'
          ? ErrorCode.AW_MONITOR_HISTORY_MISSING
          : ErrorCode.AW_MONITOR_HISTORY_UNUSABLE,
        error.message,
      );
    throw error;
  }
}

async function monitorFromCli(options: MonitorCliOptions): Promise<number> {
  if (options.every === undefined)
    throw usageError(
      ErrorCode.AW_MONITOR_BAD_OPTION,
      'monitor needs --every (e.g. --every 5m): how often to run the checks',
    );
  if (!options.history)
    throw usageError(
      ErrorCode.AW_MONITOR_BAD_OPTION,
      'monitor needs --history FILE.sqlite: where the runs are stored (created when new)',
    );
  let webhook: WebhookTarget | undefined;
  if (options.webhook !== undefined) {
    try {
      webhook = parseWebhookUrl(options.webhook);
    } catch (error) {
      if (error instanceof MonitorOptionError)
        throw usageError(ErrorCode.AW_MONITOR_BAD_OPTION, error.message);
      throw error;
    }
  }
  const client = await clientSetupOf(options, process.env);
  const plan = planRun(planOptionsOf(options, client));
  const history = openHistory(options.history, 'write');
  const grey = colours(process.stderr).grey;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const insecure = insecureWarning(client);
  if (insecure) log(colours(process.stderr).red(insecure));
  const abort = new AbortController();
  const interrupt = () => {
    if (abort.signal.aborted) process.exit(ExitCode.interrupted);
    log(
      'agentwire: interrupted: stopping the monitor after recording what finished (Ctrl+C again to quit at once)',
    );
    abort.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await using target = await acquireTarget(plan, {
      signal: abort.signal,
      observer: { onDecision: (_, line) => log(grey(`env ${line}`)) },
    });
    if (abort.signal.aborted) return ExitCode.interrupted;
    if (!target.ok) {
      if (!options.allowSkip)
        throw notCheckedError(ErrorCode.AW_MONITOR_NO_TARGET, `nothing to monitor: ${target.problem}`);
      log(`agentwire: nothing to monitor (--allow-skip): ${target.problem}`);
      return ExitCode.ok;
    }
    const targetLabel = redactUrl(target.address.agUiUrl ?? target.address.wsUrl);
    log(
      `monitor: ${plan.checks.length} checks against ${targetLabel} every ${formatInterval(options.every)}${options.runs ? `, ${options.runs} runs` : ''}; history ${options.history}${webhook ? `; alerts to ${webhook.shown}` : ''}`,
    );
    const result = await runMonitor(plan, target, {
      intervalMs: options.every,
      ...(options.runs ? { runs: options.runs } : {}),
      history,
      ...(webhook ? { webhook } : {}),
      durations: {
        factor: options.durationRegression,
        minMs: options.durationMinMs,
        window: options.durationWindow,
      },
      signal: abort.signal,
      log,
      onWarning: (message) => log(`agentwire: warning: ${message}`),
      targetLabel,
    });
    log(
      `monitor: ${result.interrupted ? 'stopped' : 'done'} after ${result.recorded} recorded run${result.recorded === 1 ? '' : 's'} (${result.alerts} alert${result.alerts === 1 ? '' : 's'}); history in ${options.history}`,
    );
    return result.interrupted ? ExitCode.interrupted : ExitCode.ok;
  } catch (error) {
    if (error instanceof HistoryError) throw new CliError(ErrorCode.AW_MONITOR_HISTORY_WRITE, error.message);
    throw error;
  } finally {
    history.close();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
