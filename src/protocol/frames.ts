/**
 * Zod schemas for every AEP/1 frame, in both directions. The server validates client frames with
 * them; the suite validates server frames with them. Unknown extra fields are allowed (forward
 * compatibility); missing or mistyped required fields are not.
 */
import { z } from 'zod';
import { CAPABILITIES, ERROR_CODES, RUN_STATUSES } from './constants.js';

const nonEmpty = z.string().min(1);
/** RFC 3339 UTC with exactly three fractional digits, as asks. */
export const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const scenarioSchema = z.looseObject({
  tools: z.number().int().min(0).max(32).optional(),
  fail_tool: z.number().int().min(1).optional(),
  delay_ms: z.number().int().min(0).max(10_000).optional(),
  stream_chunks: z.number().int().min(1).max(256).optional(),
  thinking: z.boolean().optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

// Client → server
export const userMessageSchema = z.looseObject({
  type: z.literal('user_message'),
  id: nonEmpty,
  text: z.string(),
  thread_id: nonEmpty.optional(),
  scenario: scenarioSchema.optional(),
});
export const resumeSchema = z.looseObject({
  type: z.literal('resume'),
  id: nonEmpty,
  thread_id: nonEmpty,
  after_seq: z.number().int().min(0),
});
export const cancelSchema = z.looseObject({ type: z.literal('cancel'), id: nonEmpty, run_id: nonEmpty });
export const pingSchema = z.looseObject({ type: z.literal('ping'), id: nonEmpty });

export const clientFrameSchema = z.discriminatedUnion('type', [
  userMessageSchema,
  resumeSchema,
  cancelSchema,
  pingSchema,
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type UserMessageFrame = z.infer<typeof userMessageSchema>;
export type ResumeFrame = z.infer<typeof resumeSchema>;
export type CancelFrame = z.infer<typeof cancelSchema>;
export const CLIENT_FRAME_TYPES = ['user_message', 'resume', 'cancel', 'ping'] as const;

// Server → client
export const limitsSchema = z.looseObject({
  max_frame_bytes: z.number().int().positive(),
  max_inflight_runs: z.number().int().positive(),
  expiry_grace_ms: z.number().int().nonnegative(),
});

export const readySchema = z.looseObject({
  type: z.literal('ready'),
  protocol: z.literal('aep.v1'),
  session_id: nonEmpty,
  user_id: nonEmpty,
  server: z.looseObject({ name: nonEmpty, version: nonEmpty }),
  capabilities: z.array(z.string()),
  limits: limitsSchema,
});
export type ReadyFrame = z.infer<typeof readySchema>;

export const ackSchema = z.looseObject({
  type: z.literal('ack'),
  id: nonEmpty,
  thread_id: nonEmpty.optional(),
  run_id: nonEmpty.optional(),
  replayed: z.number().int().min(0).optional(),
});
export type AckFrame = z.infer<typeof ackSchema>;

export const pongSchema = z.looseObject({ type: z.literal('pong'), id: nonEmpty });

export const errorSchema = z.looseObject({
  type: z.literal('error'),
  id: z.string().optional(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});
export type ErrorFrame = z.infer<typeof errorSchema>;

const envelope = {
  thread_id: nonEmpty,
  run_id: nonEmpty,
  seq: z.number().int().min(1),
  ts: z.string().regex(RFC3339_UTC_MS, 'ts must be RFC 3339 UTC with milliseconds'),
};

export const agentStartedSchema = z.looseObject({
  type: z.literal('agent_started'),
  ...envelope,
  data: z.looseObject({ input_id: nonEmpty }),
});
export const agentThinkingSchema = z.looseObject({
  type: z.literal('agent_thinking'),
  ...envelope,
  data: z.looseObject({ text: z.string() }),
});
export const toolExecutingSchema = z.looseObject({
  type: z.literal('tool_executing'),
  ...envelope,
  data: z.looseObject({ tool_call_id: nonEmpty, tool: nonEmpty, args: z.unknown() }),
});
export const toolCompletedSchema = z.looseObject({
  type: z.literal('tool_completed'),
  ...envelope,
  // "ok (boolean), result or error": a successful call carries its result, a failed one its error.
  data: z
    .looseObject({
      tool_call_id: nonEmpty,
      ok: z.boolean(),
      result: z.unknown().optional(),
      error: z.unknown().optional(),
    })
    .refine((data) => (data.ok ? data.result !== undefined : data.error !== undefined), {
      message: 'a tool_completed with ok: true carries a result, one with ok: false an error',
    }),
});
export const agentMessageSchema = z.looseObject({
  type: z.literal('agent_message'),
  ...envelope,
  data: z.looseObject({ delta: z.string() }),
});
export const agentCompletedSchema = z.looseObject({
  type: z.literal('agent_completed'),
  ...envelope,
  data: z.looseObject({
    status: z.enum(RUN_STATUSES),
    text: z.string().optional(),
    error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  }),
});

export const eventSchema = z.discriminatedUnion('type', [
  agentStartedSchema,
  agentThinkingSchema,
  toolExecutingSchema,
  toolCompletedSchema,
  agentMessageSchema,
  agentCompletedSchema,
]);
export type AgentEvent = z.infer<typeof eventSchema>;

export const serverFrameSchema = z.discriminatedUnion('type', [
  readySchema,
  ackSchema,
  pongSchema,
  errorSchema,
  agentStartedSchema,
  agentThinkingSchema,
  toolExecutingSchema,
  toolCompletedSchema,
  agentMessageSchema,
  agentCompletedSchema,
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

export const KNOWN_CAPABILITIES: readonly string[] = CAPABILITIES;

export function isAgentEvent(frame: { type: string }): frame is AgentEvent {
  return eventSchema.safeParse(frame).success;
}

/** Zod issues as one readable line, e.g. `data.tool_call_id: expected string`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(frame)'}: ${issue.message}`)
    .join('; ');
}
