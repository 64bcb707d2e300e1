/**
 * AG-UI on the reference backend: POST /agent takes a RunAgentInput (validated with
 * `@ag-ui/core`'s schema) and streams the same deterministic scripted agent as AEP/1, encoded
 * as AG-UI events over SSE by `@ag-ui/encoder`. Bearer JWT as on the WebSocket endpoint; the
 * scenario comes from `forwardedProps.scenario`. A client that disconnects aborts the run.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { EventEncoder } from '@ag-ui/encoder';
import type { Logger } from 'pino';
import { scenarioSchema } from '../protocol/index.js';
import { type TokenVerifier, tokenFromRequest } from './auth.js';
import { resolveScenario, scriptedSteps } from './scripted-agent.js';

const MAX_BODY_BYTES = 1 << 20;

export interface AgUiDependencies {
  verifier: TokenVerifier;
  logger: Logger;
  /** Runs in flight, so a drain can wait for them. */
  track(finished: Promise<void>): void;
}

export async function handleAgUiRun(
  request: IncomingMessage,
  response: ServerResponse,
  deps: AgUiDependencies,
): Promise<void> {
  const auth = await deps.verifier.verify(tokenFromRequest(request));
  if (!auth.ok) return respondError(response, 401, 'unauthorized', auth.reason);
  let body: string;
  try {
    body = await readBody(request);
  } catch (error) {
    return respondError(response, 413, 'too_large', (error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return respondError(response, 400, 'bad_request', 'body is not JSON: send a RunAgentInput object');
  }
  const parsed = RunAgentInputSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    );
    return respondError(
      response,
      400,
      'bad_request',
      `not a RunAgentInput: ${issues.slice(0, 5).join('; ')}`,
    );
  }
  const input = parsed.data;
  const scenario = scenarioSchema.safeParse(
    (input.forwardedProps as { scenario?: unknown } | undefined)?.scenario,
  );
  const lastUser = [...input.messages].reverse().find((message) => message.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : '';

  const encoder = new EventEncoder({ accept: request.headers.accept });
  response.writeHead(200, {
    'content-type': encoder.getContentType(),
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const abort = new AbortController();
  response.on('close', () => abort.abort());
  const send = (event: Record<string, unknown>) => {
    if (!response.writableEnded) response.write(encoder.encode(event as never));
  };
  const finished = stream(input.threadId, input.runId, text, scenario.success ? scenario.data : undefined);
  deps.track(finished);
  await finished;

  async function stream(threadId: string, runId: string, prompt: string, chosen: typeof scenario.data) {
    send({ type: 'RUN_STARTED', threadId, runId });
    const messageId = `msg_${runId}`;
    let messageOpen = false;
    try {
      const steps = scriptedSteps(runId.slice(-8), prompt, resolveScenario(chosen), abort.signal);
      for (;;) {
        const next = await steps.next();
        if (next.done) break;
        const { type, data } = next.value;
        if (type === 'agent_thinking') {
          send({ type: 'STEP_STARTED', stepName: 'thinking' });
          send({ type: 'STEP_FINISHED', stepName: 'thinking' });
        } else if (type === 'tool_executing') {
          const toolCallId = String(data.tool_call_id);
          send({ type: 'TOOL_CALL_START', toolCallId, toolCallName: String(data.tool) });
          send({ type: 'TOOL_CALL_ARGS', toolCallId, delta: JSON.stringify(data.args) });
          send({ type: 'TOOL_CALL_END', toolCallId });
        } else if (type === 'tool_completed') {
          const toolCallId = String(data.tool_call_id);
          send({
            type: 'TOOL_CALL_RESULT',
            messageId: `result_${toolCallId}`,
            toolCallId,
            content: JSON.stringify(data.ok ? data.result : { error: data.error }),
            role: 'tool',
          });
        } else if (type === 'agent_message') {
          if (!messageOpen) send({ type: 'TEXT_MESSAGE_START', messageId, role: 'assistant' });
          messageOpen = true;
          send({ type: 'TEXT_MESSAGE_CONTENT', messageId, delta: String(data.delta) });
        }
      }
      if (messageOpen) send({ type: 'TEXT_MESSAGE_END', messageId });
      send({ type: 'RUN_FINISHED', threadId, runId });
    } catch (error) {
      if (!abort.signal.aborted) {
        deps.logger.error({ err: String(error), run: runId }, 'ag-ui run failed');
        send({ type: 'RUN_ERROR', message: 'the agent failed', code: 'internal' });
      }
    } finally {
      response.end();
    }
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function respondError(response: ServerResponse, status: number, error: string, message: string): void {
  const text = JSON.stringify({ error, message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
