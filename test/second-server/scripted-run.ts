/**
 * The deterministic agent behind every run (AEP/1 ): a fixed script of events shaped by the
 * message's `scenario`, paced by `delay_ms`, and stoppable at any pause by cancel.
 */
import type { Deployment, RunRecord, ThreadRecord } from './deployment.js';

export interface Script {
  tools: number;
  failTool: number | undefined;
  delayMs: number;
  chunks: number;
  thinking: boolean;
}

export const DEFAULT_SCRIPT: Script = {
  tools: 1,
  failTool: undefined,
  delayMs: 10,
  chunks: 3,
  thinking: false,
};

class Cancelled extends Error {}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A pause that notices cancel only once it is over (flaw cancel-at-checkpoints). */
async function pauseToTheEnd(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) throw new Cancelled();
}

export async function performRun(
  deployment: Deployment,
  thread: ThreadRecord,
  run: RunRecord,
  inputId: string,
  text: string,
  script: Script,
): Promise<void> {
  const signal = run.stop.signal;
  const flaws = deployment.flaws;
  const wait = flaws.has('cancel-at-checkpoints') ? pauseToTheEnd : pause;
  let openToolCall: string | undefined;
  const emit = async (type: string, data: Record<string, unknown>, stampedEarlier?: string) => {
    await deployment.append(thread, run.id, type, data, undefined, stampedEarlier);
  };
  const step = async (type: string, data: Record<string, unknown>) => {
    const stampedEarlier = flaws.has('ts-stamped-before-pause') ? new Date().toISOString() : undefined;
    try {
      await wait(script.delayMs, signal);
    } catch (error) {
      if (flaws.has('seq-reserved-by-cancelled-step')) thread.abandonedSeqs++;
      throw error;
    }
    await emit(type, data, stampedEarlier);
  };
  try {
    await emit('agent_started', { input_id: inputId });
    if (script.thinking) await step('agent_thinking', { text: `Reading "${text.slice(0, 40)}"` });
    for (let call = 1; call <= script.tools; call++) {
      const toolCallId = `${run.id}-call-${call}`;
      await step('tool_executing', { tool_call_id: toolCallId, tool: 'search', args: { call, q: 'x' } });
      openToolCall = toolCallId;
      const failed = script.failTool === call;
      await step(
        'tool_completed',
        failed
          ? { tool_call_id: toolCallId, ok: false, error: { code: 'tool_failed', message: 'search failed' } }
          : { tool_call_id: toolCallId, ok: true, result: { hits: call } },
      );
      openToolCall = undefined;
    }
    const pieces = Array.from({ length: script.chunks }, (_, index) => `piece ${index + 1}. `);
    for (const delta of pieces) await step('agent_message', { delta });
    await wait(script.delayMs, signal);
    await deployment.append(thread, run.id, 'agent_completed', { status: 'ok', text: pieces.join('') }, run);
  } catch (error) {
    if (!(error instanceof Cancelled)) throw error;
    const closeToolCall = async () => {
      if (!openToolCall) return;
      await emit('tool_completed', {
        tool_call_id: openToolCall,
        ok: false,
        error: { code: 'cancelled', message: 'the run was cancelled' },
      });
    };
    const completeCancelled = async () => {
      if (flaws.has('slot-kept-by-cancelled-run')) {
        run.finished = true;
        await deployment.append(thread, run.id, 'agent_completed', { status: 'cancelled' });
      } else await deployment.append(thread, run.id, 'agent_completed', { status: 'cancelled' }, run);
    };
    if (flaws.has('cancel-completes-before-tool')) {
      await completeCancelled();
      await closeToolCall();
    } else {
      await closeToolCall();
      await completeCancelled();
    }
  }
}
