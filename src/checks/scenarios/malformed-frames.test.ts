import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_FRAME_TYPES, clientFrameSchema } from '../../protocol/index.js';
import { type MalformedFrame, malformedFrame } from './malformed-frames.js';

const LIMIT = 65_536;

/** Whether the frame, as text, would be accepted by AEP/1's client frame schema. */
function isValidFrame(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string' || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) return false;
  return clientFrameSchema.safeParse(parsed).success;
}

describe('malformed frame generator', () => {
  const sample = fc.sample(malformedFrame(LIMIT), { seed: 7, numRuns: 400 });

  it('gives the same frames for the same seed', () => {
    const again = fc.sample(malformedFrame(LIMIT), { seed: 7, numRuns: 400 });
    expect(again.map(key)).toEqual(sample.map(key));
    const other = fc.sample(malformedFrame(LIMIT), { seed: 8, numRuns: 400 });
    expect(other.map(key)).not.toEqual(sample.map(key));
  });

  it('covers every kind of malformation', () => {
    const kinds = sample.map((frame) => frame.kind);
    for (const pattern of [
      /^wrong type of/,
      /^without /,
      /not a JSON object/,
      /nested/,
      /bytes$/,
      /invalid UTF-8/,
      /binary/,
      /over the limit/,
    ]) {
      expect(
        kinds.some((kind) => pattern.test(kind)),
        String(pattern),
      ).toBe(true);
    }
  });

  it('never generates a frame AEP/1 accepts, and keeps text frames within the limit', () => {
    for (const frame of sample.filter((f) => f.expect === 'bad_request')) {
      const text = frame.payload as string;
      expect(isValidFrame(text), text.slice(0, 200)).toBe(false);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LIMIT);
    }
    for (const frame of sample.filter((f) => f.expect === 1009)) {
      expect(Buffer.byteLength(frame.payload as string)).toBeGreaterThan(LIMIT);
    }
    for (const frame of sample.filter((f) => f.expect === 1007)) {
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(frame.payload as Uint8Array)).toThrow();
    }
  });
});

function key(frame: MalformedFrame): string {
  return `${frame.kind}|${typeof frame.payload === 'string' ? frame.payload.length : Buffer.from(frame.payload).toString('hex')}`;
}
