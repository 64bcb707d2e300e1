/**
 * Pure validators for event streams (section 5). Each returns human-readable violations, empty
 * when the stream obeys the rule, so checks, the load tool and unit tests share one definition.
 * Given an `offending` array, each also collects the events that break the rule, so a failed
 * check's evidence can show those frames.
 */
import { describeIssues, eventSchema, RFC3339_UTC_MS } from '../protocol/index.js';

/** The envelope the rules look at; wider than AgentEvent because wire data may be wrong. */
export interface StreamEvent {
  type: string;
  thread_id: string;
  run_id: string;
  seq: number;
  ts: string;
  data?: unknown;
}
type Event = StreamEvent;

/** R-1.2 / section 5: every event matches its schema. */
export function schemaViolations(events: readonly unknown[]): string[] {
  const violations: string[] = [];
  for (const event of events) {
    const result = eventSchema.safeParse(event);
    if (!result.success) {
      const type = (event as { type?: unknown }).type;
      violations.push(`${String(type)} event is malformed: ${describeIssues(result.error)}`);
    }
  }
  return violations;
}

/** per thread, seq runs firstSeq, firstSeq+1, … with no gap and no duplicate. */
export function seqViolations(events: readonly Event[], firstSeq = 1, offending?: Event[]): string[] {
  const violations: string[] = [];
  const expected = new Map<string, number>();
  for (const event of events) {
    const want = expected.get(event.thread_id) ?? firstSeq;
    if (event.seq !== want) {
      const kind = event.seq < want ? 'duplicate or out of order' : 'gap';
      violations.push(
        `thread ${event.thread_id}: expected seq ${want}, got ${event.seq} (${kind}) on ${event.type}`,
      );
      offending?.push(event);
    }
    expected.set(event.thread_id, Math.max(want, event.seq) + 1);
  }
  return violations;
}

/** each run begins with agent_started and has exactly one agent_completed, its last event. */
export function runFramingViolations(events: readonly Event[], offending?: Event[]): string[] {
  const violations: string[] = [];
  for (const [runId, runEvents] of groupByRun(events)) {
    if (runEvents[0]?.type !== 'agent_started') {
      violations.push(`run ${runId}: first event is ${runEvents[0]?.type}, not agent_started`);
      if (runEvents[0]) offending?.push(runEvents[0]);
    }
    const starts = runEvents.filter((e) => e.type === 'agent_started').length;
    if (starts > 1) {
      violations.push(`run ${runId}: ${starts} agent_started events`);
      offending?.push(...runEvents.filter((e) => e.type === 'agent_started').slice(1));
    }
    const completions = runEvents.filter((e) => e.type === 'agent_completed');
    if (completions.length !== 1) {
      violations.push(`run ${runId}: ${completions.length} agent_completed events, expected exactly 1`);
      offending?.push(...(completions.length > 1 ? completions.slice(1) : runEvents.slice(-1)));
    }
    const firstCompletion = runEvents.findIndex((e) => e.type === 'agent_completed');
    if (firstCompletion !== -1 && firstCompletion !== runEvents.length - 1) {
      const after = runEvents[firstCompletion + 1]!;
      violations.push(`run ${runId}: ${after.type} (seq ${after.seq}) follows agent_completed`);
      offending?.push(after);
    }
  }
  return violations;
}

/** each tool_executing is closed by exactly one tool_completed with its id, in the same run. */
export function toolPairingViolations(events: readonly Event[], offending?: Event[]): string[] {
  const violations: string[] = [];
  for (const [runId, runEvents] of groupByRun(events)) {
    const open = new Map<string, Event>();
    const closed = new Set<string>();
    for (const event of runEvents) {
      const id = toolCallId(event);
      if (event.type === 'tool_executing' && id !== undefined) {
        if (open.has(id) || closed.has(id)) {
          violations.push(`run ${runId}: tool_call_id ${id} executed twice`);
          offending?.push(event);
        }
        open.set(id, event);
      } else if (event.type === 'tool_completed' && id !== undefined) {
        if (closed.has(id)) {
          violations.push(`run ${runId}: second tool_completed for ${id} (seq ${event.seq})`);
          offending?.push(event);
        } else if (!open.has(id)) {
          violations.push(`run ${runId}: tool_completed for ${id} without tool_executing`);
          offending?.push(event);
        }
        open.delete(id);
        closed.add(id);
      }
    }
    for (const [id, event] of open) {
      violations.push(`run ${runId}: tool_executing ${id} (seq ${event.seq}) never completed`);
      offending?.push(event, ...runEvents.slice(-1));
    }
  }
  return violations;
}

/** RFC 3339 UTC with milliseconds, non-decreasing within a thread. */
export function timestampViolations(events: readonly Event[], offending?: Event[]): string[] {
  const violations: string[] = [];
  const last = new Map<string, { ms: number; event: Event }>();
  for (const event of events) {
    if (typeof event.ts !== 'string' || !RFC3339_UTC_MS.test(event.ts)) {
      violations.push(
        `seq ${event.seq}: ts ${JSON.stringify(event.ts)} is not RFC 3339 UTC with milliseconds`,
      );
      offending?.push(event);
      continue;
    }
    const ms = Date.parse(event.ts);
    const previous = last.get(event.thread_id);
    if (previous && ms < previous.ms) {
      violations.push(
        `thread ${event.thread_id}: ts of seq ${event.seq} is earlier than that of seq ${previous.event.seq} (${event.ts} < ${previous.event.ts})`,
      );
      offending?.push(previous.event, event);
    }
    last.set(event.thread_id, { ms, event });
  }
  return violations;
}

export function groupByRun<E extends Event>(events: readonly E[]): Map<string, E[]> {
  const runs = new Map<string, E[]>();
  for (const event of events) {
    const list = runs.get(event.run_id);
    if (list) list.push(event);
    else runs.set(event.run_id, [event]);
  }
  return runs;
}

function toolCallId(event: Event): string | undefined {
  const data = event.data as { tool_call_id?: unknown } | undefined;
  return typeof data?.tool_call_id === 'string' ? data.tool_call_id : undefined;
}
