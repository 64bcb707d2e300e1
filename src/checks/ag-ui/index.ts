/**
 * The `ag-ui` profile: checks over AG-UI's HTTP + SSE transport. Each posts its own
 * RunAgentInput (the reference backend reads `forwardedProps.scenario`; other servers ignore it)
 * and judges the decoded stream with the validators in agui/stream-rules.ts.
 */
import {
  type AgUiEvent,
  type AgUiResponse,
  type AgUiRuleId,
  type AgUiRunInput,
  afterEndViolations,
  postRun,
  runInput,
  schemaViolations,
  startViolations,
  terminalViolations,
  textMessageViolations,
  toolCallViolations,
  type Violation,
} from '../../agui/index.js';
import { type Check, type CheckContext, CheckFailure, Unsupported } from '../check.js';
import { agUiHardeningChecks } from './hardening.js';
import { expectStreamed } from './seen.js';
import { transportOf } from './transport-of.js';

function endpoint(context: CheckContext): { url: string; withToken: boolean } {
  if (!context.target.agUi) throw new Unsupported('no AG-UI endpoint: run with --profile ag-ui');
  return context.target.agUi;
}

async function run(
  context: CheckContext,
  input: AgUiRunInput = runInput('What is the weather in Lisbon?', {
    forwardedProps: { scenario: { tools: 2, delay_ms: context.eventDelayMs } },
  }),
  options: { token?: string | null; rawBody?: string } = {},
): Promise<{ input: AgUiRunInput; response: AgUiResponse }> {
  const { url, withToken } = endpoint(context);
  const token =
    options.token === null
      ? undefined
      : (options.token ?? (withToken ? await context.tokens.valid(context.newUser()) : undefined));
  const response = await postRun(url, input, {
    signal: context.signal,
    ...transportOf(context),
    ...(token ? { token } : {}),
    ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : {}),
  });
  return { input, response };
}

async function stream(context: CheckContext) {
  const result = await run(context);
  const { response } = result;
  if (response.status !== 200 || !response.contentType.startsWith('text/event-stream')) {
    throw new CheckFailure(
      `POST RunAgentInput answered ${response.status} ${response.contentType || '(no content-type)'}, not an event stream`,
      { body: response.body },
    );
  }
  return result;
}

function expectNone(violations: Violation[], what: string, response: AgUiResponse): void {
  if (!violations.length) return;
  const first = violations[0]!;
  const around = response.events.slice(Math.max(0, first.index - 2), first.index + 2);
  throw new CheckFailure(
    `${what}: ${first.message}${violations.length > 1 ? ` (+${violations.length - 1} more)` : ''}`,
    {
      violations: violations.slice(0, 10),
      events_around_first: around,
      event_types: response.events.map((event) => event.type),
    },
  );
}

/** A check that judges one run's stream with one of the pure stream rules. */
function streamRule(
  id: `${AgUiRuleId}/${string}`,
  title: string,
  violationsOf: (events: AgUiEvent[]) => Violation[],
  what: string,
  judged?: { types: readonly string[]; what: string },
): Check {
  return {
    id,
    rules: [id.split('/')[0] as AgUiRuleId],
    title,
    requires: [],
    async run(context) {
      const { response } = await stream(context);
      expectNone(violationsOf(response.events), what, response);
      if (judged) expectStreamed(response.events, judged.types, judged.what);
    },
  };
}

export const agUiChecks: readonly Check[] = [
  {
    id: 'AGUI-T/event-stream-answer',
    rules: ['AGUI-T'],
    title: 'POST RunAgentInput answers 200 with text/event-stream and decodable JSON events',
    requires: [],
    async run(context) {
      const { response } = await stream(context);
      if (response.undecodable.length)
        throw new CheckFailure('data: lines that are not JSON events', {
          undecodable: response.undecodable.slice(0, 5),
        });
      if (!response.events.length) throw new CheckFailure('the stream carried no event');
    },
  },
  {
    id: 'AGUI-T/rejects-bad-input',
    rules: ['AGUI-T'],
    title: 'A body that is not a RunAgentInput answers 4xx, not an event stream',
    requires: [],
    async run(context) {
      for (const [what, rawBody] of [
        ['not JSON', '{"threadId": '],
        ['no messages', JSON.stringify({ threadId: 't', runId: 'r' })],
        ['messages of the wrong type', JSON.stringify({ ...runInput('x'), messages: 'hello' })],
      ] as const) {
        const { response } = await run(context, undefined, { rawBody });
        if (response.status < 400 || response.status >= 500)
          throw new CheckFailure(`a body with ${what} answered ${response.status}, expected 4xx`, {
            content_type: response.contentType,
            event_types: response.events.map((event) => event.type),
          });
      }
    },
  },
  {
    id: 'AGUI-T/requires-auth',
    rules: ['AGUI-T'],
    title: 'Without a bearer token the endpoint answers 401',
    requires: [],
    async run(context) {
      if (!endpoint(context).withToken)
        throw new Unsupported('no JWT secret given, so the endpoint is checked without credentials');
      const { response } = await run(context, undefined, { token: null });
      if (response.status !== 401)
        throw new CheckFailure(`a request without a token answered ${response.status}, expected 401`);
      const { response: forged } = await run(context, undefined, {
        token: await context.tokens.badSignature('u_forged'),
      });
      if (forged.status !== 401)
        throw new CheckFailure(`a token signed with another key answered ${forged.status}, expected 401`);
    },
  },
  streamRule(
    'AGUI-1/schema-valid-events',
    'Every event of a run is valid by the @ag-ui/core schemas',
    schemaViolations,
    'invalid event',
  ),
  streamRule(
    'AGUI-2/run-started-first',
    'RUN_STARTED is the first event',
    startViolations,
    'wrong first event',
  ),
  {
    id: 'AGUI-2/ids-echoed',
    rules: ['AGUI-2'],
    title: 'RUN_STARTED (and RUN_FINISHED) carry the threadId and runId the input asked for',
    requires: [],
    async run(context) {
      const { input, response } = await stream(context);
      for (const event of response.events.filter(
        (e) => e.type === 'RUN_STARTED' || e.type === 'RUN_FINISHED',
      )) {
        if (event.threadId !== input.threadId || event.runId !== input.runId)
          throw new CheckFailure(
            `${event.type} names thread ${String(event.threadId)} run ${String(event.runId)}`,
            {
              expected: { threadId: input.threadId, runId: input.runId },
              got: { threadId: event.threadId, runId: event.runId },
            },
          );
      }
    },
  },
  streamRule(
    'AGUI-3/single-terminal-event',
    'Exactly one RUN_FINISHED or RUN_ERROR ends the run',
    terminalViolations,
    'terminal events',
  ),
  streamRule(
    'AGUI-3/nothing-after-end',
    'No event follows RUN_FINISHED or RUN_ERROR',
    afterEndViolations,
    'event after the end',
  ),
  streamRule(
    'AGUI-4/text-message-pairing',
    'Text messages start, stream and end by messageId, and none is left open',
    textMessageViolations,
    'text message pairing',
    { types: ['TEXT_MESSAGE_START'], what: 'text message' },
  ),
  streamRule(
    'AGUI-5/tool-call-pairing',
    'Tool calls start, stream args and end by toolCallId; results come after the end',
    toolCallViolations,
    'tool call pairing',
    { types: ['TOOL_CALL_START'], what: 'tool call' },
  ),
  {
    id: 'AGUI-2/concurrent-runs-separate',
    rules: ['AGUI-2', 'AGUI-3'],
    title: 'Runs posted at once each get their own complete stream with their own ids',
    requires: [],
    async run(context) {
      const results = await Promise.all([1, 2, 3, 4].map(() => stream(context)));
      for (const { input, response } of results) {
        expectNone(terminalViolations(response.events), 'terminal events under concurrency', response);
        const foreign = response.events.find((event) => 'runId' in event && event.runId !== input.runId);
        if (foreign)
          throw new CheckFailure(
            `a stream for run ${input.runId} carried ${foreign.type} of run ${String(foreign.runId)}`,
          );
      }
    },
  },
  ...agUiHardeningChecks,
];
