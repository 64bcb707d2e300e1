/**
 * Reading a client frame (AEP/1 §4, R-6.1) by hand: each type's required fields, their types,
 * and the scenario's bounds. Anything else is a bad_request naming the problem.
 */
import { type Flaws, NO_FLAWS } from './flaws.js';
import { DEFAULT_SCRIPT, type Script } from './scripted-run.js';

export type ClientFrame =
  | { type: 'ping'; id: string }
  | { type: 'user_message'; id: string; text: string; threadId: string | undefined; script: Script }
  | { type: 'resume'; id: string; threadId: string; afterSeq: number }
  | { type: 'cancel'; id: string; runId: string };

export type Reading = { frame: ClientFrame } | { problem: string; id: string | undefined };

const isText = (value: unknown): value is string => typeof value === 'string';
const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

function readScript(value: unknown): Script | string {
  if (value === undefined) return DEFAULT_SCRIPT;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'scenario must be an object';
  const given = value as Record<string, unknown>;
  const bounded: Array<[string, number, number]> = [
    ['tools', 0, 32],
    ['fail_tool', 1, 32],
    ['delay_ms', 0, 10_000],
    ['stream_chunks', 1, 256],
  ];
  for (const [key, min, max] of bounded) {
    if (given[key] !== undefined && !isCount(given[key], min, max))
      return `scenario.${key} must be a whole number from ${min} to ${max}`;
  }
  if (given.thinking !== undefined && typeof given.thinking !== 'boolean')
    return 'scenario.thinking must be a boolean';
  return {
    tools: (given.tools as number | undefined) ?? DEFAULT_SCRIPT.tools,
    failTool: given.fail_tool as number | undefined,
    delayMs: (given.delay_ms as number | undefined) ?? DEFAULT_SCRIPT.delayMs,
    chunks: (given.stream_chunks as number | undefined) ?? DEFAULT_SCRIPT.chunks,
    thinking: (given.thinking as boolean | undefined) ?? DEFAULT_SCRIPT.thinking,
  };
}

export function readClientFrame(raw: string, flaws: Flaws = NO_FLAWS): Reading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { problem: 'the frame is not JSON', id: undefined };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { problem: 'the frame must be a JSON object', id: undefined };
  const body = parsed as Record<string, unknown>;
  const id = isText(body.id) ? body.id : undefined;
  const refuse = (problem: string): Reading => ({ problem, id });
  if (!isText(body.type)) return refuse('the frame needs a string "type"');
  if (!isName(body.id)) return refuse(`${body.type.slice(0, 40)} needs a non-empty string "id"`);
  switch (body.type) {
    case 'ping':
      return { frame: { type: 'ping', id: body.id } };
    case 'cancel':
      if (!isName(body.run_id)) return refuse('cancel needs a string "run_id"');
      return { frame: { type: 'cancel', id: body.id, runId: body.run_id } };
    case 'resume':
      if (!isName(body.thread_id)) return refuse('resume needs a string "thread_id"');
      if (!isCount(body.after_seq, 0, Number.MAX_SAFE_INTEGER))
        return refuse('resume needs a whole number "after_seq" ≥ 0');
      return { frame: { type: 'resume', id: body.id, threadId: body.thread_id, afterSeq: body.after_seq } };
    case 'user_message': {
      if (body.text === undefined && flaws.has('missing-text-defaults-empty')) body.text = '';
      if (!isText(body.text)) return refuse('user_message needs a string "text"');
      if (body.thread_id !== undefined && !isName(body.thread_id))
        return refuse('user_message "thread_id", when given, must be a non-empty string');
      const script = readScript(body.scenario);
      if (typeof script === 'string') return refuse(script);
      return {
        frame: { type: 'user_message', id: body.id, text: body.text, threadId: body.thread_id, script },
      };
    }
    default:
      return refuse(`unknown frame type "${body.type.slice(0, 40)}"`);
  }
}
