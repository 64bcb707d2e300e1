/**
 * AG-UI on the reference backend: POST /agent takes a RunAgentInput (validated with
 * `@ag-ui/core`'s schema) and streams the same deterministic scripted agent as AEP/1, encoded
 * as AG-UI events over SSE by `@ag-ui/encoder`. Bearer JWT as on the WebSocket endpoint; the
 * scenario comes from `forwardedProps.scenario`. A client that disconnects aborts the run.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { EventEncoder } from '@ag-ui/encoder';
import type { Logger } from 'pino';
import { scenarioSchema } from '../protocol/index.js';
import { type TokenVerifier, tokenFromRequest, tokenTransportOf } from './auth.js';
import { FaultSet } from './faults.js';
import { NOT_JSON, parsedJson } from './json-text.js';
import { plannedToolCalls, resolveScenario, scriptedSteps } from './scripted-agent.js';

const MAX_BODY_BYTES = 1 << 20;

export interface AgUiDependencies {
  verifier: TokenVerifier;
  logger: Logger;
  /** Runs in flight, so a drain can wait for them. */
  track(finished: Promise<void>): void;
  /** The agui-* faults (see faults.ts). */
  faults?: FaultSet;
}

export async function handleAgUiRun(
  request: IncomingMessage,
  response: ServerResponse,
  deps: AgUiDependencies,
): Promise<void> {
  const auth = await deps.verifier.verify(tokenFromRequest(request), tokenTransportOf(request));
  // Stryker disable next-line LogicalOperator: fault plumbing: every conformance run has an empty fault set
  const faults = deps.faults ?? FaultSet.none;
  // Stryker disable next-line StringLiteral: a refusal's words are free; its 401 is what AGUI-1 checks
  if (!auth.ok) return respondError(response, 401, 'unauthorized', auth.reason);
  let body: string;
  // Stryker disable all: a body over 1 MiB: AG-UI sets no size limit, this only protects the server
  try {
    body = await readBody(request);
  } catch (error) {
    return respondError(response, 413, 'too_large', (error as Error).message);
  }
  // Stryker restore all
  const json = parsedJson(body);
  // Stryker disable next-line ConditionalExpression: a body that is not JSON, let through, fails the RunAgentInput schema with the same 400
  if (json === NOT_JSON)
    // Stryker disable next-line StringLiteral: a refusal's words are free; its 400 is what is checked
    return respondError(response, 400, 'bad_request', 'body is not JSON: send a RunAgentInput object');
  const parsed = RunAgentInputSchema.safeParse(json);
  if (!parsed.success) {
    // Stryker disable all: a refusal's words are free; its 400 is what is checked
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    // Stryker restore all
    return respondError(
      response,
      400,
      // Stryker disable next-line all: a refusal's words are free; its 400 is what is checked
      'bad_request',
      // Stryker disable next-line all: a refusal's words are free; its 400 is what is checked
      `not a RunAgentInput: ${issues.slice(0, 5).join('; ')}`,
    );
  }
  const input = parsed.data;
  // Stryker disable all: fault injection, off in every conformance run
  // agui-minimal-input-500: forwardedProps read as if every client sent it (AG-UI makes it optional).
  if (faults.has('agui-minimal-input-500')) void (input.forwardedProps as { scenario?: unknown }).scenario;
  // Stryker restore all
  const scenario = scenarioSchema.safeParse(
    (input.forwardedProps as { scenario?: unknown } | undefined)?.scenario,
  );
  // Stryker disable all: which message the agent answers is the agent's own business: AG-UI fixes the stream, not what it says
  const lastUser = [...input.messages].reverse().find((message) => message.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : '';
  // Stryker restore all

  // Stryker disable next-line ObjectLiteral: the profile speaks SSE, the encoder's default; only a client asking for protobuf would see a difference
  const encoder = new EventEncoder({ accept: request.headers.accept });
  response.writeHead(200, {
    'content-type': encoder.getContentType(),
    // Stryker disable next-line all: advice to proxies, which no AG-UI rule sets
    'cache-control': 'no-cache',
    // Stryker disable next-line all: advice to proxies, which no AG-UI rule sets
    connection: 'keep-alive',
  });
  const abort = new AbortController();
  // Stryker disable all: AG-UI sets no rule on a client that leaves: a run going on unheard shows nowhere on the wire, and nothing is sent after the stream's end
  response.on('close', () => abort.abort());
  const send = (event: Record<string, unknown>) => {
    if (!response.writableEnded) response.write(encoder.encode(event as never));
  };
  // Stryker restore all
  let state = objectStateOf(input.state);
  // agui-input-state-echoed: whatever state the client sent becomes the snapshot the deltas patch.
  // Stryker disable next-line all: fault injection, off in every conformance run
  if (faults.has('agui-input-state-echoed')) state = input.state;
  const finished = stream(input.threadId, input.runId, text, scenario.success ? scenario.data : undefined);
  deps.track(finished);
  await finished;

  async function stream(threadId: string, runId: string, prompt: string, chosen: typeof scenario.data) {
    send({ type: 'RUN_STARTED', threadId, runId });
    send({ type: 'STATE_SNAPSHOT', snapshot: state });
    try {
      await answer(threadId, runId, prompt, chosen).catch(reportFailure);
    } finally {
      response.end();
    }

    // Stryker disable all: the scripted agent throws only when aborted (the client left): nobody reads what follows
    function reportFailure(error: unknown): void {
      if (!abort.signal.aborted) {
        deps.logger.error({ err: String(error), run: runId }, 'ag-ui run failed');
        send({ type: 'RUN_ERROR', message: 'the agent failed', code: 'internal' });
      }
    }
    // Stryker restore all
  }

  /** The scripted agent's steps as AG-UI events, up to RUN_FINISHED. */
  async function answer(threadId: string, runId: string, prompt: string, chosen: typeof scenario.data) {
    const resolved = resolveScenario(chosen);
    // The client names the run; tool call ids get a key of their own so no two runs share one.
    // Stryker disable next-line MethodExpression,StringLiteral: with or without the dashes, cut or not, the key is unique
    const runKey = randomUUID().replaceAll('-', '').slice(0, 8);
    // agui-message-id-reused: an id derived from the thread, so the next run of it reuses it.
    // Stryker disable next-line all: fault injection, off in every conformance run
    const messageId = faults.has('agui-message-id-reused') ? `msg_${threadId}` : `msg_${runId}`;
    let messageOpen = false;
    let toolCallsAnnounced = false;
    let lookups = 0;
    const steps = scriptedSteps(runKey, prompt, resolved, abort.signal);
    for (;;) {
      const next = await steps.next();
      if (next.done) break;
      const { type, data } = next.value;
      switch (type) {
        case 'agent_thinking':
          sendReasoning(`reasoning_${runId}`, String(data.text));
          break;
        case 'tool_executing':
          if (!toolCallsAnnounced) sendToolCalls(plannedToolCalls(runKey, prompt, resolved));
          toolCallsAnnounced = true;
          break;
        case 'tool_completed': {
          const toolCallId = String(data.tool_call_id);
          send({
            type: 'TOOL_CALL_RESULT',
            messageId: `result_${toolCallId}`,
            toolCallId,
            // Stryker disable next-line ObjectLiteral: a tool result's content is free text to AG-UI
            content: JSON.stringify(data.ok ? data.result : { error: data.error }),
            role: 'tool',
          });
          // agui-events-after-run-error: a tool failure reported as the run's error, and the run goes on.
          // Stryker disable all: fault injection, off in every conformance run
          if (data.ok === false && faults.has('agui-events-after-run-error'))
            send({ type: 'RUN_ERROR', message: 'a tool call failed', code: 'tool_failed' });
          // Stryker restore all
          // Stryker disable next-line UpdateOperator: the state's content is the agent's: AGUI-6 asks only that each delta applies
          lookups++;
          // `add` sets a member whether it exists or not; `replace` needs it to exist (RFC 6902).
          // Stryker disable next-line all: fault injection, off in every conformance run
          const op = faults.has('agui-invalid-state-delta') ? 'replace' : 'add';
          // Stryker disable next-line ArrayDeclaration,StringLiteral: an empty patch, or one that sets the whole state (path ""), applies too: AGUI-6 asks only that each delta applies
          send({ type: 'STATE_DELTA', delta: [{ op, path: '/lookups', value: lookups }] });
          break;
        }
        case 'agent_message':
          if (!messageOpen) send({ type: 'TEXT_MESSAGE_START', messageId, role: 'assistant' });
          messageOpen = true;
          send({ type: 'TEXT_MESSAGE_CONTENT', messageId, delta: String(data.delta) });
          break;
      }
    }
    // Stryker disable next-line ConditionalExpression: every scripted run streams its answer (stream_chunks is at least 1), so a message is open here
    if (messageOpen) send({ type: 'TEXT_MESSAGE_END', messageId });
    // Stryker disable all: fault injection, off in every conformance run
    // agui-end-of-stream-as-error: the agent's end of stream caught as if it were a failure.
    if (faults.has('agui-end-of-stream-as-error')) {
      send({ type: 'RUN_ERROR', message: 'the agent stopped', code: 'internal' });
      return;
    }
    // Stryker restore all
    send({ type: 'RUN_FINISHED', threadId, runId });
  }

  function sendReasoning(reasoningId: string, text: string): void {
    send({ type: 'STEP_STARTED', stepName: 'thinking' });
    send({ type: 'REASONING_START', messageId: reasoningId });
    send({ type: 'REASONING_MESSAGE_START', messageId: reasoningId, role: 'reasoning' });
    send({ type: 'REASONING_MESSAGE_CONTENT', messageId: reasoningId, delta: text });
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (!faults.has('agui-reasoning-unclosed')) {
      send({ type: 'REASONING_MESSAGE_END', messageId: reasoningId });
      send({ type: 'REASONING_END', messageId: reasoningId });
    }
    // agui-step-finished-misnamed: the finished step's name read from a field it does not have.
    // Stryker disable next-line all: fault injection, off in every conformance run
    const finishedStep = faults.has('agui-step-finished-misnamed') ? String(undefined) : 'thinking';
    send({ type: 'STEP_FINISHED', stepName: finishedStep });
  }

  /** The run's tool calls as one model turn of parallel calls: all started, args interleaved, all ended. */
  function sendToolCalls(calls: ReturnType<typeof plannedToolCalls>): void {
    for (const call of calls)
      send({ type: 'TOOL_CALL_START', toolCallId: call.toolCallId, toolCallName: call.tool });
    const chunks = calls.map((call) => halves(JSON.stringify(call.args)));
    // agui-tool-args-misrouted: every chunk goes to the call the stream last started.
    const routeTo = (index: number) =>
      // Stryker disable next-line all: fault injection, off in every conformance run
      faults.has('agui-tool-args-misrouted') ? calls.at(-1)!.toolCallId : calls[index]!.toolCallId;
    for (const part of [0, 1] as const)
      calls.forEach((_, index) => {
        send({ type: 'TOOL_CALL_ARGS', toolCallId: routeTo(index), delta: chunks[index]![part] });
      });
    for (const call of calls) send({ type: 'TOOL_CALL_END', toolCallId: call.toolCallId });
  }
}

/** The client's state when it is a JSON object; a state of any other shape is replaced by an empty one. */
// Stryker disable all: forced to {} this is still AG-UI (a snapshot may replace the state); letting other shapes through is the agui-input-state-echoed fault, which AGUI-6/state-deltas-apply-any-input-state catches
function objectStateOf(state: unknown): unknown {
  return state !== null && typeof state === 'object' && !Array.isArray(state) ? state : {};
}
// Stryker restore all

function halves(text: string): [string, string] {
  // Stryker disable next-line ArithmeticOperator: where the arguments are cut is free: the chunks join back into the same JSON
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      // Stryker disable all: the size limit protects the server; AG-UI sets none
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      // Stryker restore all
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // Stryker disable next-line all: a request that fails while its body is read has no one left to answer
    request.on('error', reject);
  });
}

function respondError(response: ServerResponse, status: number, error: string, message: string): void {
  // Stryker disable ObjectLiteral,StringLiteral: AG-UI checks a refusal's status, not its body or headers
  const text = JSON.stringify({ error, message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  // Stryker restore ObjectLiteral,StringLiteral
  response.end(text);
}
