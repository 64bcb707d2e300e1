/**
 * The AG-UI client side of a check: POST a RunAgentInput, read the text/event-stream answer to
 * its end and decode each `data:` as one JSON event. Everything received is kept, in order, so
 * a failure can show the exact events that break a rule.
 */

import { Agent, fetch as undiciFetch } from 'undici';
import { SseParser } from './sse.js';
import type { AgUiEvent } from './stream-rules.js';

export interface AgUiRunInput {
  threadId: string;
  runId: string;
  messages: { id: string; role: 'user'; content: string }[];
  tools: unknown[];
  context: unknown[];
  state: unknown;
  forwardedProps: unknown;
}

export interface AgUiResponse {
  status: number;
  contentType: string;
  /** Decoded events, in arrival order. */
  events: AgUiEvent[];
  /** `data:` payloads that were not JSON objects with a string type. */
  undecodable: string[];
  /** The body, when the answer was not an event stream (an error, say). */
  body?: string;
  elapsedMs: number;
}

let counter = 0;

export function runInput(text: string, overrides: Partial<AgUiRunInput> = {}): AgUiRunInput {
  const suffix = `${process.pid.toString(36)}${(++counter).toString(36)}${Date.now().toString(36)}`;
  return {
    threadId: `thread_${suffix}`,
    runId: `run_${suffix}`,
    messages: [{ id: `msg_${suffix}`, role: 'user', content: text }],
    tools: [],
    context: [],
    state: {},
    forwardedProps: {},
    ...overrides,
  };
}

export async function postRun(
  url: string,
  body: unknown,
  options: {
    token?: string;
    signal?: AbortSignal;
    timeoutMs?: number;
    rawBody?: string;
    /** Gateway headers sent with the request (the token's Authorization wins). */
    headers?: Record<string, string>;
    /** TLS trust for https:// (a CA to trust; rejectUnauthorized false for --insecure). */
    tls?: { ca?: string; rejectUnauthorized?: boolean };
  } = {},
): Promise<AgUiResponse> {
  const started = performance.now();
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? 10_000),
    ...(options.signal ? [options.signal] : []),
  ];
  const tls = options.tls && Object.keys(options.tls).length ? options.tls : undefined;
  // undici's own fetch takes a dispatcher with the TLS trust; the global one keeps the default.
  const fetchWith = tls ? (undiciFetch as unknown as typeof fetch) : fetch;
  const response = await fetchWith(url, {
    ...(tls ? ({ dispatcher: new Agent({ connect: tls }) } as object) : {}),
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.rawBody ?? JSON.stringify(body),
    signal: AbortSignal.any(signals),
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('text/event-stream') || !response.body) {
    return {
      status: response.status,
      contentType,
      events: [],
      undecodable: [],
      body: (await response.text()).slice(0, 2000),
      elapsedMs: performance.now() - started,
    };
  }
  const parser = new SseParser();
  const events: AgUiEvent[] = [];
  const undecodable: string[] = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    for (const message of parser.push(decoder.decode(chunk, { stream: true }))) {
      try {
        const event = JSON.parse(message.data);
        if (event && typeof event === 'object' && typeof event.type === 'string') events.push(event);
        else undecodable.push(message.data);
      } catch {
        undecodable.push(message.data);
      }
    }
  }
  parser.end();
  return {
    status: response.status,
    contentType,
    events,
    undecodable,
    elapsedMs: performance.now() - started,
  };
}
