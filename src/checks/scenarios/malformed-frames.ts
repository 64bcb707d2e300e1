/**
 * Generators of malformed client frames for the fuzz check, each with the answer AEP/1 demands:
 * `error bad_request` for a text frame, close 1003 for binary, 1009 for a frame
 * over the limit and 1007 for a text frame that is not UTF-8 (RFC 6455 §8.1; AEP/1
 * makes such a frame invalid without naming a code).
 */
import fc from 'fast-check';

export type Expectation = 'bad_request' | 1003 | 1007 | 1009;

export interface MalformedFrame {
  kind: string;
  /** What goes on the wire: a string is a text frame, bytes are sent as they are. */
  payload: string | Uint8Array;
  /** Send `payload` bytes as a text frame (for invalid UTF-8) instead of a binary one. */
  asText?: boolean;
  expect: Expectation;
  /** The id the error must name, when the frame carried a string id. */
  id?: string;
}

type Template = Record<string, unknown>;
const TEMPLATES: readonly Template[] = [
  { type: 'user_message', id: 'fz', text: 'hello' },
  { type: 'resume', id: 'fz', thread_id: 't_fuzz', after_seq: 0 },
  { type: 'cancel', id: 'fz', run_id: 'r_fuzz' },
  { type: 'ping', id: 'fz' },
];

const frameId = fc.nat({ max: 1_000_000 }).map((n) => `fz-${n}`);
const template = fc.constantFrom(...TEMPLATES);

function withId(frame: Template, id: string): Template {
  return typeof frame.id === 'string' ? { ...frame, id } : frame;
}

function textCase(kind: string, frame: Template): MalformedFrame {
  return {
    kind,
    payload: JSON.stringify(frame),
    expect: 'bad_request',
    ...(typeof frame.id === 'string' ? { id: frame.id } : {}),
  };
}

/** A value whose JSON type differs from the one the field needs. */
function wrongTypeFor(value: unknown): fc.Arbitrary<unknown> {
  const notString = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.nat(), { maxLength: 3 }),
  );
  const notNumber = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.constant({}));
  return typeof value === 'number' ? notNumber : notString;
}

const wrongType = fc.tuple(template, frameId).chain(([base, id]) => {
  const frame = withId(base, id);
  return fc
    .constantFrom(...Object.keys(frame))
    .chain((field) =>
      wrongTypeFor(frame[field]).map((value) =>
        textCase(`wrong type of ${field}`, { ...frame, [field]: value }),
      ),
    );
});

const omission = fc.tuple(template, frameId).chain(([base, id]) => {
  const frame = withId(base, id);
  const fields = Object.keys(frame);
  return fc.subarray(fields, { minLength: 1 }).map((dropped) => {
    const rest = Object.fromEntries(Object.entries(frame).filter(([key]) => !dropped.includes(key)));
    return textCase(`without ${dropped.join(', ')}`, rest);
  });
});

const deepNesting = fc
  .tuple(frameId, fc.integer({ min: 32, max: 4000 }), fc.boolean())
  .map(([id, depth, arrays]): MalformedFrame => {
    const nested = arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return {
      kind: `text nested ${depth} deep`,
      payload: `{"type":"user_message","id":"${id}","text":${nested}}`,
      expect: 'bad_request',
      id,
    };
  });

function hugeString(maxFrameBytes: number) {
  return fc
    .tuple(
      frameId,
      fc.integer({ min: 1000, max: Math.max(1000, maxFrameBytes - 256) }),
      fc.constantFrom('x', 'é', '\\"'),
      fc.boolean(),
    )
    .map(([id, length, unit, asType]): MalformedFrame => {
      const huge = unit.repeat(Math.floor(length / Buffer.byteLength(unit)));
      const payload = asType
        ? `{"type":"${huge}","id":"${id}"}`
        : `{"type":"resume","id":"${id}","thread_id":"${huge}","after_seq":"zero"}`;
      return {
        kind: `${asType ? 'type' : 'thread_id'} of ${length} bytes`,
        payload,
        expect: 'bad_request',
        id,
      };
    });
}

/** JSON punctuation and keywords mixed with printable characters (cheap to build, unlike full Unicode). */
const jsonishChar = fc.oneof(
  fc.constantFrom(...'{}[]":,\\-.0123456789eE', 'true', 'null', '"type"'),
  fc.integer({ min: 0x20, max: 0x2fff }).map((code) => String.fromCharCode(code)),
);

const notJson = fc
  .string({ maxLength: 64, unit: jsonishChar })
  .filter((text) => {
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed === null || typeof parsed !== 'object' || Array.isArray(parsed);
    } catch {
      return true;
    }
  })
  .map((text): MalformedFrame => ({ kind: 'not a JSON object', payload: text, expect: 'bad_request' }));

const invalidUtf8 = fc
  .tuple(
    fc.uint8Array({ maxLength: 24 }),
    fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28]),
  )
  .map(
    ([bytes, bad]): MalformedFrame => ({
      kind: 'text frame with invalid UTF-8',
      payload: new Uint8Array([
        ...Buffer.from('{"type":"ping","id":"'),
        ...bytes,
        ...bad,
        ...Buffer.from('"}'),
      ]),
      asText: true,
      expect: 1007,
    }),
  );

const binary = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((bytes): MalformedFrame => ({ kind: 'binary frame', payload: bytes, expect: 1003 }));

function oversized(maxFrameBytes: number) {
  return fc.integer({ min: 1, max: 4096 }).map(
    (over): MalformedFrame => ({
      kind: `frame ${over} bytes over the limit`,
      payload: `{"type":"ping","id":"big","pad":"${'x'.repeat(maxFrameBytes + over)}"}`,
      expect: 1009,
    }),
  );
}

/** Every kind of malformed frame; closing kinds are rarer, as each costs a reconnect. */
export function malformedFrame(maxFrameBytes: number): fc.Arbitrary<MalformedFrame> {
  return fc.oneof(
    { arbitrary: wrongType, weight: 5 },
    { arbitrary: omission, weight: 5 },
    { arbitrary: notJson, weight: 3 },
    { arbitrary: deepNesting, weight: 2 },
    { arbitrary: hugeString(maxFrameBytes), weight: 2 },
    { arbitrary: invalidUtf8, weight: 1 },
    { arbitrary: binary, weight: 1 },
    { arbitrary: oversized(maxFrameBytes), weight: 1 },
  );
}

/** The frame as one line for evidence: kind, expectation and a clipped payload. */
export function describeMalformed(frame: MalformedFrame): string {
  const payload =
    typeof frame.payload === 'string'
      ? frame.payload
      : `<${frame.payload.length} bytes ${Buffer.from(frame.payload).toString('hex').slice(0, 48)}>`;
  const clipped = payload.length > 160 ? `${payload.slice(0, 160)}…(${payload.length} chars)` : payload;
  return `${frame.kind}, expects ${frame.expect}: ${clipped}`;
}
