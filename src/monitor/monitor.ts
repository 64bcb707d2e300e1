/**
 * The monitor loop: with a target acquired once (by the caller), `runSuite` at every tick of
 * the interval, each finished run stored in the history with the alerts it raised against the
 * runs before it, alerts printed and POSTed to the webhook. Runs never overlap: a run that
 * lasts past the next tick makes the loop skip the ticks it covered and start at the first one
 * still ahead. Aborting the signal stops the run in flight (its partial report is not
 * recorded: it would read as checks gone missing) and ends the loop; what was recorded stays.
 */
import type { RunReport } from '../runner/index.js';
import { type AcquiredTarget, type RunPlan, runSuite } from '../suite/index.js';
import type { History } from './history.js';
import { formatInterval } from './interval.js';
import { type Alert, alertsFor, type DurationThresholds, type RunRecord } from './rules.js';
import { type AlertPayload, postAlert, type WebhookTarget } from './webhook.js';

export interface MonitorOptions {
  intervalMs: number;
  /** Stop after this many recorded runs (default: until the signal aborts). */
  runs?: number;
  history: History;
  webhook?: WebhookTarget;
  /** How long the webhook gets to answer (default 10 s). */
  webhookTimeoutMs?: number;
  durations: DurationThresholds;
  signal: AbortSignal;
  /** A line for the terminal (no trailing newline). */
  log: (line: string) => void;
  onWarning?: (message: string) => void;
  /** The target as stored and shown (no secrets). */
  targetLabel: string;
}

export interface MonitorResult {
  recorded: number;
  alerts: number;
  interrupted: boolean;
}

export async function runMonitor(
  plan: RunPlan,
  target: AcquiredTarget,
  options: MonitorOptions,
): Promise<MonitorResult> {
  const { signal, log } = options;
  let recorded = 0;
  let alertCount = 0;
  let nextTick = Date.now();
  while (!signal.aborted && (options.runs === undefined || recorded < options.runs)) {
    const started = Date.now();
    const report = await runSuite(plan, target, {
      signal,
      ...(options.onWarning ? { observer: { onWarning: options.onWarning } } : {}),
    });
    if (report.verdict === 'INTERRUPTED' || signal.aborted) {
      log(`the run in flight was interrupted after ${Date.now() - started} ms: not recorded`);
      break;
    }
    const earlier = options.history.recentRuns(Math.max(options.durations.window, 1));
    const alerts = alertsFor(recordOf(report), earlier, options.durations);
    const { runId, alertIds } = options.history.record(report, options.targetLabel, alerts);
    recorded++;
    alertCount += alerts.length;
    log(runLine(runId, report, alerts.length));
    for (const alert of alerts) log(`ALERT run ${runId}: ${alert.message}`);
    if (alerts.length > 0 && options.webhook) {
      const { ok, outcome } = await postAlert(
        options.webhook,
        payloadOf(runId, report, alerts, options.targetLabel),
        options.webhookTimeoutMs,
      );
      options.history.markWebhook(alertIds, outcome);
      if (!ok) log(`webhook ${outcome}; the alerts are in the history`);
    }
    if (options.runs !== undefined && recorded >= options.runs) break;
    // The next tick still ahead; ticks a long run covered are skipped, never run twice.
    nextTick += options.intervalMs;
    let skipped = 0;
    while (nextTick <= Date.now()) {
      nextTick += options.intervalMs;
      skipped++;
    }
    if (skipped > 0)
      log(
        `run ${runId} took ${Date.now() - started} ms, longer than --every ${formatInterval(options.intervalMs)}: ${skipped} tick${skipped === 1 ? '' : 's'} skipped`,
      );
    await sleep(nextTick - Date.now(), signal);
  }
  return { recorded, alerts: alertCount, interrupted: signal.aborted };
}

function recordOf(report: RunReport): Omit<RunRecord, 'id'> {
  return {
    startedAt: report.started_at,
    durationMs: report.duration_ms,
    verdict: report.verdict,
    summary: report.summary,
    checks: report.checks.map((check) => ({
      id: check.id,
      status: check.status,
      durationMs: Math.round(check.duration_ms),
      ...(check.reason === undefined ? {} : { reason: check.reason }),
    })),
  };
}

function runLine(runId: number, report: RunReport, alerts: number): string {
  const { summary } = report;
  return `run ${runId} at ${report.started_at}: ${report.verdict.toLowerCase()}, ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped + summary.unsupported} not executed, ${report.duration_ms} ms${alerts ? `, ${alerts} alert${alerts === 1 ? '' : 's'}` : ''}`;
}

function payloadOf(runId: number, report: RunReport, alerts: Alert[], target: string): AlertPayload {
  return {
    kind: 'agentwire.monitor.alert',
    schema_version: 1,
    text: `agentwire monitor: run ${runId} against ${target}: ${alerts.map((alert) => alert.message).join('; ')}`,
    target,
    run: {
      number: runId,
      started_at: report.started_at,
      verdict: report.verdict,
      duration_ms: report.duration_ms,
      summary: report.summary,
    },
    alerts,
  };
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
