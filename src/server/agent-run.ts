/**
 * Drives one run of the scripted agent through the thread hub. Owns the run's frame:
 * agent_started first, exactly one agent_completed last, and on cancellation it closes
 * any open tool call before completing as `cancelled`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../protocol/index.js';
import { FaultSet } from './faults.js';
import { resolveScenario, scriptedSteps } from './scripted-agent.js';
import type { ThreadHub } from './thread-hub.js';

export interface RunRequest {
  runId: string;
  threadId: string;
  inputId: string;
  text: string;
  scenario: Scenario | undefined;
}

type Emit = (
  type: Parameters<ThreadHub['append']>[2],
  data: Record<string, unknown>,
  stampedAtMs?: number,
) => Promise<unknown>;

export async function executeRun(
  hub: ThreadHub,
  request: RunRequest,
  signal: AbortSignal,
  faults: FaultSet = FaultSet.none,
): Promise<void> {
  const emit: Emit = (type, data, stampedAtMs) =>
    hub.append(request.threadId, request.runId, type, data, stampedAtMs);
  await emit('agent_started', { input_id: request.inputId });

  const openToolCalls = new Set<string>();
  const scenario = resolveScenario(request.scenario);
  // Stryker disable next-line MethodExpression: the key only has to differ between runs, which the whole run id does too
  const steps = scriptedSteps(request.runId.slice(2, 10), request.text, scenario, signal, faults);
  /** Only the cancel-recloses-finished-tools fault reads it: every tool call the run started. */
  // Stryker disable next-line all: fault injection, off in every conformance run
  const startedToolCalls: string[] = [];
  try {
    for (;;) {
      // Stryker disable next-line all: fault injection, off in every conformance run
      const stepStartedAt = faults.has('ts-stamped-at-step-start') ? Date.now() : undefined;
      const next = await steps.next();
      if (next.done) {
        await emit('agent_completed', { status: 'ok', text: next.value.text });
        // Stryker disable all: fault injection, off in every conformance run
        if (faults.has('dup-completed'))
          await emit('agent_completed', { status: 'ok', text: next.value.text });
        if (faults.has('event-after-completed')) await emit('agent_message', { delta: ' (late)' });
        // Stryker restore all
        return;
      }
      const { type, data } = next.value;
      if (type === 'tool_executing') openToolCalls.add(data.tool_call_id as string);
      // Stryker disable next-line all: fault injection, off in every conformance run
      if (type === 'tool_executing') startedToolCalls.push(data.tool_call_id as string);
      if (type === 'tool_completed') {
        openToolCalls.delete(data.tool_call_id as string);
        // Stryker disable next-line all: fault injection, off in every conformance run
        if (faults.has('missing-tool-completed') && data.ok === true) continue;
      }
      await emit(type, data, stepStartedAt);
      // Stryker disable next-line all: fault injection, off in every conformance run
      if (faults.has('tool-fail-kills-run') && type === 'tool_completed' && data.ok === false) return;
    }
  } catch (error) {
    // Stryker disable all: fault injection, off in every conformance run
    if (faults.has('cancel-outruns-tool-cleanup') && signal.aborted && openToolCalls.size > 0)
      return completeBeforeSlowTools(emit, openToolCalls, scenario.delayMs);
    // Stryker restore all
    // Stryker disable next-line all: fault injection, off in every conformance run
    const reportedOk = faults.has('cancelled-tool-reported-ok'); // "the tool stopped without error"
    // cancel-recloses-finished-tools: every call the run started is closed as cancelled, finished ones too.
    // Stryker disable next-line all: fault injection, off in every conformance run
    const toClose = faults.has('cancel-recloses-finished-tools') ? startedToolCalls : openToolCalls;
    for (const toolCallId of toClose) {
      await emit('tool_completed', {
        tool_call_id: toolCallId,
        ok: reportedOk,
        // Stryker disable next-line ObjectLiteral,StringLiteral: an error's content is free; AEP/1 asks only that a failed call carries one
        error: { code: 'cancelled', message: 'run cancelled' },
      });
    }
    // Stryker disable next-line ConditionalExpression: the scripted agent throws only when aborted (and a run lost to another instance cannot append), so forced true changes nothing; the mark also hides forced false, which R-5.7/cancel-running-run catches
    await emit('agent_completed', signal.aborted ? { status: 'cancelled' } : failedCompletion(error));
  }
}

// Stryker disable all: the scripted agent throws only when aborted, and a run lost to another instance cannot append: no run reaches this
/** An agent_completed for a run whose agent failed. */
function failedCompletion(error: unknown): Record<string, unknown> {
  return {
    status: 'error',
    error: { code: 'internal', message: error instanceof Error ? error.message : 'agent failed' },
  };
}
// Stryker restore all

// Stryker disable all: fault injection, off in every conformance run
/** How long a cancelled run waits for its open tool calls to stop (cancel-outruns-tool-cleanup). */
const TOOL_CLEANUP_GRACE_MS = 1500;

/**
 * Fault cancel-outruns-tool-cleanup: the open tool calls stop as tools that do not heed the abort
 * do, once their current step (delay_ms) is over. The run waits for them only so long, completes
 * as cancelled, and leaves a slower tool call to report its tool_completed afterwards.
 */
async function completeBeforeSlowTools(
  emit: Emit,
  openToolCalls: Set<string>,
  stepMs: number,
): Promise<void> {
  const toolsStopped = sleep(stepMs).then(async () => {
    for (const toolCallId of openToolCalls) {
      await emit('tool_completed', {
        tool_call_id: toolCallId,
        ok: false,
        error: { code: 'cancelled', message: 'run cancelled' },
      });
    }
  });
  await Promise.race([toolsStopped, sleep(TOOL_CLEANUP_GRACE_MS)]);
  await emit('agent_completed', { status: 'cancelled' });
  void toolsStopped.catch(() => undefined);
}
// Stryker restore all
