/** Building blocks of the hardening checks: bursts of frames sent without awaiting their answers. */
import type { AepConnection } from '../../client/index.js';
import { fail } from '../expect.js';

type Frame = Record<string, unknown>;

const ANSWER_TYPES = new Set(['ack', 'pong', 'error']);

/** Every answer (ack, pong, error) received so far that names one of `ids`, by id. */
export function answersById(connection: AepConnection, ids: readonly string[]): Map<string, Frame[]> {
  const answers = new Map<string, Frame[]>(ids.map((id) => [id, []]));
  for (const frame of connection.jsonFrames()) {
    if (!ANSWER_TYPES.has(String(frame.type)) || typeof frame.id !== 'string') continue;
    answers.get(frame.id)?.push(frame);
  }
  return answers;
}

/**
 * Sends every frame at once (no await between them), then waits until each id has been answered
 * or `timeoutMs` has passed, and returns the answers by id. Ids without an answer map to [].
 */
export async function burst(
  connection: AepConnection,
  frames: readonly Frame[],
  timeoutMs = 5000,
): Promise<Map<string, Frame[]>> {
  const ids = frames.map((frame) => String(frame.id));
  for (const frame of frames) connection.send(frame);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = answersById(connection, ids);
    const complete = [...answers.values()].every((list) => list.length > 0);
    if (complete || Date.now() > deadline || !connection.isOpen) return answers;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The single answer to `id`, failing when there is none or more than one. */
export function onlyAnswer(answers: Map<string, Frame[]>, id: string, what: string): Frame {
  const list = answers.get(id) ?? [];
  if (list.length === 0) fail(`${what}: frame ${id} was never answered`, { id });
  if (list.length > 1)
    fail(`${what}: frame ${id} was answered ${list.length} times`, { id, answers: list }, { frames: list });
  return list[0]!;
}

/** A text of `length` characters, so events quoting it are as large as the caller needs. */
export function longText(length: number): string {
  const words = 'the quick brown fox jumps over the lazy dog ';
  return words.repeat(Math.ceil(length / words.length)).slice(0, length);
}
