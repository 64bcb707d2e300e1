/**
 * A deterministic stand-in for an LLM agent. Given the user's text and an optional scenario
 * it yields the same events every time, pausing `delay_ms` between them, so conformance
 * checks can predict exactly what a run must contain.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventType, Scenario } from '../protocol/index.js';
import { FaultSet } from './faults.js';

export interface AgentStep {
  type: Exclude<EventType, 'agent_started' | 'agent_completed'>;
  data: Record<string, unknown>;
}

export interface ResolvedScenario {
  tools: number;
  failTool: number | undefined;
  delayMs: number;
  streamChunks: number;
  thinking: boolean;
}

// Stryker disable all: what a run without a scenario streams is the agent's own choice (R-4.4 scripts only runs that ask)
export const DEFAULT_SCENARIO: ResolvedScenario = {
  tools: 1,
  failTool: undefined,
  delayMs: 15,
  streamChunks: 4,
  thinking: true,
};
// Stryker restore all

export function resolveScenario(scenario: Scenario | undefined): ResolvedScenario {
  // Stryker disable OptionalChaining,LogicalOperator: without a scenario (which every check sends) an agent may stream anything, even end with status error
  return {
    tools: scenario?.tools ?? DEFAULT_SCENARIO.tools,
    failTool: scenario?.fail_tool,
    delayMs: scenario?.delay_ms ?? DEFAULT_SCENARIO.delayMs,
    streamChunks: scenario?.stream_chunks ?? DEFAULT_SCENARIO.streamChunks,
    thinking: scenario?.thinking ?? DEFAULT_SCENARIO.thinking,
  };
  // Stryker restore OptionalChaining,LogicalOperator
}

// Stryker disable all: the answer's words are free; what AEP/1 fixes is that the chunks stream it (R-4.4's stream_chunks)
export function answerText(text: string, failedTools: number): string {
  const note = failedTools > 0 ? ` (${failedTools} tool call failed; answered without it)` : '';
  return `You said: ${text.slice(0, 200)}${note}`;
}
// Stryker restore all

/** Splits text into `count` consecutive non-empty pieces (fewer when the text is shorter). */
export function splitIntoChunks(text: string, count: number): string[] {
  const pieces = Math.max(1, Math.min(count, text.length));
  const size = Math.ceil(text.length / pieces);
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += size) chunks.push(text.slice(start, start + size));
  return chunks;
}

/** The tool calls a run will make, known up front (as an LLM's parallel tool calls are). */
export function plannedToolCalls(
  runKey: string,
  text: string,
  scenario: ResolvedScenario,
): { toolCallId: string; tool: string; args: Record<string, unknown> }[] {
  return Array.from({ length: scenario.tools }, (_, offset) => ({
    // Stryker disable next-line ArithmeticOperator: any offset keeps the ids of one run apart
    toolCallId: `call_${runKey}_${offset + 1}`,
    tool: 'lookup',
    // Stryker disable next-line all: a tool's arguments are free
    args: { query: text, index: offset + 1 },
  }));
}

export interface AgentTurn {
  steps: AsyncGenerator<AgentStep, { text: string }>;
}

/**
 * The run's middle events. agent_started and agent_completed are the run's frame, emitted by
 * the run itself, so cancellation and failure handling live in one place.
 */
export async function* scriptedSteps(
  runKey: string,
  text: string,
  scenario: ResolvedScenario,
  signal: AbortSignal,
  faults: FaultSet = FaultSet.none,
): AsyncGenerator<AgentStep, { text: string }> {
  let pause = () => sleep(scenario.delayMs, undefined, { signal });
  // Stryker disable all: fault injection, off in every conformance run
  if (faults.has('cancel-waits-for-pause')) {
    // Cancel looked at only between steps: a pause under way runs to its end first.
    pause = async () => {
      await sleep(scenario.delayMs);
      signal.throwIfAborted();
    };
  }
  // Stryker restore all
  let failed = 0;
  if (scenario.thinking) {
    await pause();
    yield {
      type: 'agent_thinking',
      // Stryker disable next-line all: the thinking's words are free
      data: { text: `Looking up what is needed to answer "${text.slice(0, 60)}"` },
    };
  }
  for (const [offset, call] of plannedToolCalls(runKey, text, scenario).entries()) {
    const index = offset + 1;
    const { toolCallId } = call;
    await pause();
    yield {
      type: 'tool_executing',
      data: { tool_call_id: toolCallId, tool: call.tool, args: call.args },
    };
    await pause();
    if (index === scenario.failTool) {
      // Stryker disable next-line UpdateOperator: the count only words the answer (answerText)
      failed++;
      yield {
        type: 'tool_completed',
        data: {
          tool_call_id: toolCallId,
          ok: false,
          // Stryker disable next-line ObjectLiteral,StringLiteral: an error's content is free; a failed call must carry one
          error: { code: 'tool_failed', message: `lookup #${index} failed` },
        },
      };
    } else {
      // Stryker disable next-line ObjectLiteral,ArithmeticOperator: a result's content is free; a successful call must carry one
      const result = { index, hits: index * 3 };
      yield { type: 'tool_completed', data: { tool_call_id: toolCallId, ok: true, result } };
    }
  }
  const answer = answerText(text, failed);
  for (const delta of splitIntoChunks(answer, scenario.streamChunks)) {
    await pause();
    yield { type: 'agent_message', data: { delta } };
  }
  return { text: answer };
}
