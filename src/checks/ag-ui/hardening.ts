/**
 * AG-UI checks written against real AG-UI server bugs (docs/faults.md): parallel tool calls whose
 * argument chunks land under the wrong call, a run that streams on after RUN_ERROR, STATE_DELTA
 * patches that do not apply, message ids a later run reuses, reasoning left open, and the inputs
 * real clients send that a server's own client never does: only the required fields, a state
 * that is not an object.
 */
import {
  type AgUiEvent,
  type AgUiResponse,
  afterEndViolations,
  messageIdsOf,
  postRun,
  reasoningViolations,
  runInput,
  stateViolations,
  stepViolations,
  terminalViolations,
  textMessageViolations,
  toolArgsViolations,
  toolCallViolations,
  type Violation,
} from '../../agui/index.js';
import { type Check, type CheckContext, CheckFailure, Unsupported } from '../check.js';
import { expectStreamed } from './seen.js';
import { transportOf } from './transport-of.js';

/** Posts a RunAgentInput (any object: some checks send only the fields AG-UI requires). */
async function post(context: CheckContext, input: object): Promise<AgUiResponse> {
  if (!context.target.agUi) throw new Unsupported('no AG-UI endpoint: run with --profile ag-ui');
  const { url, withToken } = context.target.agUi;
  const token = withToken ? await context.tokens.valid(context.newUser()) : undefined;
  return postRun(url, input, {
    signal: context.signal,
    ...transportOf(context),
    ...(token ? { token } : {}),
  });
}

/** Posts a RunAgentInput and reads its stream; any other answer fails the check. */
async function streamOf(context: CheckContext, input: object): Promise<AgUiResponse> {
  const response = await post(context, input);
  if (response.status !== 200 || !response.contentType.startsWith('text/event-stream'))
    throw new CheckFailure(`POST RunAgentInput answered ${response.status}, not an event stream`, {
      body: response.body,
    });
  return response;
}

function expectNone(violations: Violation[], what: string, events: AgUiEvent[]): void {
  if (!violations.length) return;
  const first = violations[0]!;
  throw new CheckFailure(
    `${what}: ${first.message}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`,
    {
      violations: violations.slice(0, 10),
      events_around_first: events.slice(Math.max(0, first.index - 3), first.index + 2),
      event_types: events.map((event) => event.type),
    },
  );
}

function input(
  context: CheckContext,
  scenario: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return runInput('Compare the weather in Lisbon and Porto', {
    forwardedProps: { scenario: { delay_ms: context.eventDelayMs, ...scenario } },
    ...extra,
  });
}

export const agUiHardeningChecks: readonly Check[] = [
  {
    id: 'AGUI-5/parallel-tool-args-assemble',
    rules: ['AGUI-5'],
    title: 'With several tool calls in one run, each call’s TOOL_CALL_ARGS join into valid JSON arguments',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 3 }));
      expectNone(toolCallViolations(response.events), 'tool call pairing', response.events);
      expectNone(toolArgsViolations(response.events), 'tool call arguments', response.events);
      expectStreamed(response.events, ['TOOL_CALL_START'], 'tool calls', 2);
      expectStreamed(response.events, ['TOOL_CALL_ARGS'], 'tool call arguments');
    },
  },
  {
    id: 'AGUI-3/failing-tool-ends-cleanly',
    rules: ['AGUI-3', 'AGUI-5'],
    title: 'A run whose tool call fails still ends with exactly one terminal event and nothing after it',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 2, fail_tool: 1 }));
      expectNone(terminalViolations(response.events), 'terminal events', response.events);
      expectNone(afterEndViolations(response.events), 'event after the end', response.events);
      expectNone(textMessageViolations(response.events), 'text message pairing', response.events);
      expectNone(toolCallViolations(response.events), 'tool call pairing', response.events);
      expectStreamed(response.events, ['TOOL_CALL_RESULT'], 'tool call result');
    },
  },
  {
    id: 'AGUI-6/state-deltas-apply',
    rules: ['AGUI-6'],
    title: 'Every STATE_DELTA is a JSON Patch that applies to the state so far',
    requires: [],
    async run(context) {
      const state = { city: 'Lisbon' };
      const response = await streamOf(context, input(context, { tools: 2 }, { state }));
      expectNone(stateViolations(response.events, state), 'state delta', response.events);
      expectStreamed(response.events, ['STATE_DELTA'], 'state delta');
    },
  },
  {
    id: 'AGUI-6/state-deltas-apply-any-input-state',
    rules: ['AGUI-6'],
    title:
      'Every STATE_DELTA applies to the state so far whatever state the client sent: an array, a string, a number, null',
    requires: [],
    async run(context) {
      // null is how a client says "no state" (AG-UI reads it as absent): the state so far is then
      // empty. An agent whose state is typed may refuse another shape with a 4xx: AG-UI allows it.
      const refused: string[] = [];
      let judged = 0;
      for (const state of [null, ['Lisbon'], 'Lisbon', 7]) {
        const shown = JSON.stringify(state);
        const response = await post(context, input(context, { tools: 1 }, { state }));
        if (response.status >= 400 && response.status < 500) {
          refused.push(`${shown} (${response.status})`);
          continue;
        }
        if (response.status !== 200 || !response.contentType.startsWith('text/event-stream'))
          throw new CheckFailure(
            `input state ${shown}: answered ${response.status}, neither an event stream nor a 4xx`,
            {
              body: response.body,
            },
          );
        expectNone(
          stateViolations(response.events, state ?? {}),
          `state delta (input state ${shown})`,
          response.events,
        );
        if (response.events.some((event) => event.type === 'STATE_DELTA')) judged++;
      }
      if (!judged)
        throw new Unsupported(
          `no run streamed a state delta${refused.length ? ` (input states refused: ${refused.join(', ')})` : ''}, so there was nothing to judge: the check needs an agent that streams them`,
        );
    },
  },
  {
    id: 'AGUI-T/minimal-input-accepted',
    rules: ['AGUI-T'],
    title:
      'A RunAgentInput with only the fields AG-UI requires (threadId, runId, messages) answers an event stream that ends the run',
    requires: [],
    async run(context) {
      const question = 'What is the weather in Lisbon?';
      const { threadId, runId, messages } = runInput(question);
      const response = await streamOf(context, { threadId, runId, messages });
      expectNone(terminalViolations(response.events), 'terminal events', response.events);
      // A crash after the headers shows as RUN_ERROR: it is one when the same question, with
      // every optional field sent, finishes.
      if (!endsWith(response.events, 'RUN_ERROR')) return;
      const baseline = await streamOf(context, runInput(question));
      if (endsWith(baseline.events, 'RUN_FINISHED'))
        throw new CheckFailure(
          `with only threadId, runId and messages the run ends with RUN_ERROR (${runErrorOf(response.events)}), with every field it finishes: tools, context, state and forwardedProps are optional and need defaults`,
          { event_types: response.events.map((event) => event.type) },
        );
    },
  },
  {
    id: 'AGUI-3/successful-run-finishes',
    rules: ['AGUI-3'],
    title: 'A run in which nothing fails ends with RUN_FINISHED, not RUN_ERROR',
    requires: [],
    async run(context) {
      // An agent behind a real model may fail now and then (a provider's 429, a timeout): only a
      // second RUN_ERROR in a row counts.
      for (let attempt = 1; ; attempt++) {
        const response = await streamOf(context, input(context, { tools: 2 }));
        expectNone(terminalViolations(response.events), 'terminal events', response.events);
        if (!endsWith(response.events, 'RUN_ERROR')) return;
        if (attempt === 2)
          throw new CheckFailure(
            `two runs in a row, asked for nothing that fails, ended with RUN_ERROR (${runErrorOf(response.events)}): is a normal end (or the client's abort) reported as an error?`,
            { event_types: response.events.map((event) => event.type) },
          );
      }
    },
  },
  {
    id: 'AGUI-8/steps-paired',
    rules: ['AGUI-8'],
    title: 'STEP_STARTED and STEP_FINISHED pair up by stepName: no step finished unstarted, none left open',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 1, thinking: true }));
      expectNone(stepViolations(response.events), 'steps', response.events);
      expectStreamed(response.events, ['STEP_STARTED'], 'step');
    },
  },
  {
    id: 'AGUI-4/message-ids-unique-across-runs',
    rules: ['AGUI-4'],
    title: 'Two runs of one thread name their messages with different ids',
    requires: [],
    async run(context) {
      const first = input(context, { tools: 1 });
      const second = { ...input(context, { tools: 1 }), threadId: first.threadId };
      const ids: string[][] = [];
      for (const runInputOf of [first, second]) {
        const response = await streamOf(context, runInputOf);
        expectStreamed(response.events, ['TEXT_MESSAGE_START', 'TOOL_CALL_RESULT'], 'message');
        ids.push(messageIdsOf(response.events));
      }
      const reused = ids[1]!.filter((id) => ids[0]!.includes(id));
      if (reused.length)
        throw new CheckFailure(`the second run of thread ${first.threadId} reused message id ${reused[0]}`, {
          first_run: ids[0],
          second_run: ids[1],
        });
    },
  },
  {
    id: 'AGUI-7/reasoning-closed',
    rules: ['AGUI-7'],
    title: 'Reasoning blocks and reasoning messages are closed by id before the run ends',
    requires: [],
    async run(context) {
      const response = await streamOf(context, input(context, { tools: 1, thinking: true }));
      expectNone(reasoningViolations(response.events), 'reasoning', response.events);
      expectStreamed(response.events, ['REASONING_START', 'REASONING_MESSAGE_START'], 'reasoning');
    },
  },
];

/** True when the run's terminal event is of that type. */
function endsWith(events: readonly AgUiEvent[], type: 'RUN_ERROR' | 'RUN_FINISHED'): boolean {
  return events.find((event) => event.type === 'RUN_ERROR' || event.type === 'RUN_FINISHED')?.type === type;
}

/** The RUN_ERROR's message and code, as the failure quotes them. */
function runErrorOf(events: readonly AgUiEvent[]): string {
  const error = events.find((event) => event.type === 'RUN_ERROR');
  return `"${String(error?.message ?? '')}"${error?.code ? `, code ${String(error.code)}` : ''}`;
}
