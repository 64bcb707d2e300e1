/**
 * Deliberate bugs the reference backend can be started with, one rule broken each, so the
 * conformance suite can prove it catches what it claims to (`npm run detection`). Each fault is a
 * branch at the place the real bug would live (seq assignment, token verification, resume
 * replay, …); none is on unless asked for, and none can be enabled in production mode.
 */
import type { RuleId } from '../protocol/index.js';

export interface FaultSpec {
  /** An AEP/1 rule, or for the AG-UI faults a rule of the ag-ui profile (docs/ag-ui.md). */
  rule: RuleId | `AGUI-${string}`;
  description: string;
  /** The checks named for the broken rule: detection fails unless one of them fails. */
  caughtBy: readonly string[];
  /** The suite that sees it: the AG-UI faults break only the `/agent` endpoint. Default `aep`. */
  profile?: 'aep' | 'ag-ui';
}

export const FAULTS = {
  'dup-completed': {
    rule: 'R-5.2',
    description: 'every run ends with two agent_completed events',
    caughtBy: ['R-5.2/run-framing'],
  },
  'missing-tool-completed': {
    rule: 'R-5.3',
    description: 'a successful tool call never gets its tool_completed',
    caughtBy: ['R-5.3/tool-pairing'],
  },
  'event-after-completed': {
    rule: 'R-5.2',
    description: 'a late agent_message follows agent_completed',
    caughtBy: ['R-5.2/nothing-after-completed'],
  },
  'seq-gap': {
    rule: 'R-5.1',
    description: 'seq skips a number after the second event of a thread',
    caughtBy: ['R-5.1/seq-starts-at-1'],
  },
  'seq-dup': {
    rule: 'R-5.1',
    description: 'the third event of a thread repeats the seq of the second',
    caughtBy: ['R-5.1/seq-starts-at-1'],
  },
  'resume-replays-dup': {
    rule: 'R-4.2',
    description: 'resume replays the event at after_seq again (>= instead of >)',
    caughtBy: ['R-4.2/resume-replays-missed-events'],
  },
  'resume-skips': {
    rule: 'R-4.2',
    description: 'resume leaves out the first missed event',
    caughtBy: ['R-4.2/resume-replays-missed-events'],
  },
  'cross-user-leak': {
    rule: 'R-5.6',
    description:
      'a shared delivery buffer sends an event to the previous thread’s subscribers when two threads interleave',
    caughtBy: ['R-5.6/isolation-between-users'],
  },
  'accept-no-token': {
    rule: 'R-2.2',
    description: 'a handshake without a token is let in as an anonymous user',
    caughtBy: ['R-2.2/no-token-401'],
  },
  'accept-expired': {
    rule: 'R-2.2',
    description: 'exp is not enforced at the handshake',
    caughtBy: ['R-2.2/expired-token-401'],
  },
  'accept-alg-none': {
    rule: 'R-2.2',
    description: 'an unsigned token (alg: none) is trusted',
    caughtBy: ['R-2.2/alg-none-401'],
  },
  'any-origin': {
    rule: 'R-2.3',
    description: 'the Origin allowlist is not enforced',
    caughtBy: ['R-2.3/foreign-origin-403'],
  },
  'no-ready': {
    rule: 'R-3.1',
    description: 'sessions never receive ready',
    caughtBy: ['R-3.1/ready-is-first-frame'],
  },
  'crash-on-bad-json': {
    rule: 'R-6.1',
    description: 'a frame that is not JSON crashes the server',
    caughtBy: ['R-6.1/not-json'],
  },
  'cancel-ignored': {
    rule: 'R-5.7',
    description: 'cancel is acked but the run goes on',
    caughtBy: ['R-5.7/cancel-running-run'],
  },
  'ts-backwards': {
    rule: 'R-5.5',
    description: 'every third event of a thread is stamped 5 ms before the previous one',
    caughtBy: ['R-5.5/ts-format-and-order'],
  },
  'tool-fail-kills-run': {
    rule: 'R-5.4',
    description: 'a failing tool ends the run without agent_completed',
    caughtBy: ['R-5.4/failing-tool-run-completes'],
  },
  'no-fan-out': {
    rule: 'R-4.2',
    description:
      'events reach the connections on the instance that produced them, not the user’s on other instances',
    caughtBy: ['R-4.2/fan-out-across-instances'],
  },
  'drain-cuts-runs': {
    rule: 'R-6.4',
    description: 'a graceful shutdown cancels the runs in flight instead of letting them finish',
    caughtBy: ['R-6.4/graceful-drain'],
  },
  'orphans-never-ended': {
    rule: 'R-6.5',
    description:
      'no instance takes over a crashed one: its runs never end and their subscribers wait forever',
    caughtBy: ['R-6.5/crashed-instance-runs-end'],
  },
  'orphan-slot-kept': {
    rule: 'R-6.5',
    description: 'a crashed instance’s runs are ended but still count against their user’s in-flight limit',
    caughtBy: ['R-6.5/crashed-instance-slots-freed'],
  },
  'token-in-error': {
    rule: 'R-2.5',
    description: 'bad_request errors quote the session’s bearer token',
    caughtBy: ['R-2.5/no-token-in-frames'],
  },
  'subprotocol-skips-exp': {
    rule: 'R-2.2',
    description:
      'exp is enforced for tokens in the Authorization header, not for bearer.<jwt> subprotocol tokens',
    caughtBy: ['R-2.2/refusals-via-subprotocol'],
  },
  'accept-missing-sub': {
    rule: 'R-2.2',
    description: 'a token without sub is let in, as user "undefined" (shared by every such token)',
    caughtBy: ['R-2.2/missing-sub-401'],
  },
  'origin-check-header-only': {
    rule: 'R-2.3',
    description:
      'the Origin allowlist is checked on the Authorization-header path only, not for bearer.<jwt> handshakes',
    caughtBy: ['R-2.3/foreign-origin-403-subprotocol'],
  },
  'frame-limit-off-by-one': {
    rule: 'R-1.3',
    description: 'a frame of exactly limits.max_frame_bytes is refused (> written as >=)',
    caughtBy: ['R-1.3/frame-at-limit-accepted'],
  },
  'foreign-message-subscribes': {
    rule: 'R-4.1',
    description: 'user_message to a foreign thread answers not_found but subscribes the connection first',
    caughtBy: ['R-4.1/foreign-thread-refusal-leaves-no-subscription'],
  },
  'unknown-thread-upserted': {
    rule: 'R-4.1',
    description:
      'user_message with an unknown thread_id creates that thread for the sender instead of not_found',
    caughtBy: ['R-4.1/unknown-thread-not-found'],
  },
  'foreign-resume-subscribes': {
    rule: 'R-4.3',
    description: 'resume of a foreign thread answers not_found but subscribes the connection first',
    caughtBy: ['R-4.3/foreign-resume-leaves-no-subscription'],
  },
  'resume-beyond-head-replays-all': {
    rule: 'R-4.2',
    description: 'resume with after_seq beyond the thread’s last seq replays the whole thread',
    caughtBy: ['R-4.2/resume-at-and-beyond-head'],
  },
  'resume-race-loses-events': {
    rule: 'R-4.2',
    description:
      'resume reads the log, then subscribes: events appended in between reach neither the replay nor the live stream',
    caughtBy: ['R-4.2/resume-during-live-run'],
  },
  'disconnect-unsubscribes-user': {
    rule: 'R-4.2',
    description: 'closing one connection unsubscribes every connection of that user from its threads',
    caughtBy: ['R-4.2/other-connections-survive-a-close'],
  },

  'refusal-leaks-slot': {
    rule: 'R-5.8',
    description: 'a user_message refused with not_found keeps the in-flight slot it took',
    caughtBy: ['R-5.8/refusals-take-no-slot'],
  },
  'cancel-leaks-slot': {
    rule: 'R-5.8',
    description: 'a cancelled run never gives its in-flight slot back',
    caughtBy: ['R-5.8/cancelled-runs-free-their-slots'],
  },

  'burst-ack-id-mixup': {
    rule: 'R-4.1',
    description:
      'the ack of a user_message takes the id of a ping, resume or cancel that arrived while it was handled (one "current request id" per connection)',
    caughtBy: ['§4/burst-answers-match-ids'],
  },
  'expiry-postponed-by-activity': {
    rule: 'R-2.4',
    description: 'the 4401 close at token expiry waits while events are streaming',
    caughtBy: ['R-2.4/expiry-closes-mid-stream'],
  },
  'frame-limit-counts-characters': {
    rule: 'R-1.3',
    description:
      'the frame limit is checked on the text’s length in characters, not its UTF-8 bytes: a frame of multi-byte characters over max_frame_bytes is accepted',
    caughtBy: ['R-1.3/frame-limit-counts-bytes'],
  },
  'origin-prefix-match': {
    rule: 'R-2.3',
    description:
      'an Origin that merely starts with an allowed one (https://app.example.evil.example) passes the allowlist',
    caughtBy: ['R-2.3/origin-matched-exactly'],
  },
  'ready-after-session-store': {
    rule: 'R-3.1',
    description:
      'ready waits on a session-store write while frames are already handled: a ping sent at once is answered before ready',
    caughtBy: ['R-3.1/ready-before-early-answers'],
  },
  'ts-stamped-at-step-start': {
    rule: 'R-5.5',
    description:
      'ts is taken when a step of the agent starts, before its pause; the store evens out regressions up to 100 ms as clock jitter, so a slow run interleaved with a fast one of the same thread goes back in time',
    caughtBy: ['R-5.5/ts-order-interleaved-runs'],
  },
  'cancel-waits-for-pause': {
    rule: 'R-5.7',
    description:
      'cancel is noticed only between the agent’s steps: a run cancelled during a long pause ends when the pause is over',
    caughtBy: ['R-5.7/cancel-during-long-pause'],
  },
  'cancel-outruns-tool-cleanup': {
    rule: 'R-5.2',
    description:
      'on cancel the run waits at most 1.5 s for its open tool call to stop, then completes; a slower tool call reports its tool_completed after agent_completed',
    caughtBy: ['R-5.2/cancel-closes-open-tool-first'],
  },
  'cancelled-tool-reported-ok': {
    rule: 'R-5.3',
    description:
      'on cancel the open tool call is closed with ok: true (and its error), a success without a result',
    caughtBy: ['R-5.2/cancel-closes-open-tool-first'],
  },
  'expiry-timer-overflow': {
    rule: 'R-2.4',
    description:
      'the expiry timer is set to the whole time until exp: past 2^31 - 1 ms (24.8 days) Node fires it at once, closing 4401 long before exp',
    caughtBy: ['R-2.4/long-lived-token-stays-open'],
  },
  'null-frame-internal-error': {
    rule: 'R-6.1',
    description:
      'the frame must be an object, checked with typeof only: a null frame passes and fails on frame.type with internal instead of bad_request',
    caughtBy: ['R-6.1/not-an-object'],
  },
  'bearer-echoed-when-alone': {
    rule: 'R-2.1',
    description:
      'when aep.v1 is not offered the first offered subprotocol is selected, as ws does by default: a lone bearer.<jwt> is echoed back',
    caughtBy: ['R-2.1/bearer-offered-alone-not-echoed'],
  },
  'cancel-recloses-finished-tools': {
    rule: 'R-5.3',
    description:
      'on cancel the run closes every tool call it started with a cancelled tool_completed, those already completed too',
    caughtBy: ['R-5.7/cancel-while-answer-streams'],
  },
  'resume-again-delivers-twice': {
    rule: 'R-5.1',
    description:
      'each resume adds a listener for the thread, so a connection that resumes a thread it already follows gets every later event twice',
    caughtBy: ['R-5.1/resume-again-while-following'],
  },
  'message-joins-with-history': {
    rule: 'R-4.2',
    description:
      'a user_message continuing a thread from a connection not yet in it sends that connection the thread’s stored events first, as a chat room sends its history on join',
    caughtBy: ['R-4.2/message-joins-thread-live'],
  },
  'ts-local-time-as-utc': {
    rule: 'R-5.5',
    description: 'ts is the wall-clock time of a server in UTC+8 written with a Z: eight hours ahead of UTC',
    caughtBy: ['R-5.5/ts-is-utc-now'],
  },
  'agui-tool-args-misrouted': {
    rule: 'AGUI-5',
    description:
      'AG-UI: parallel tool calls stream interleaved, every TOOL_CALL_ARGS chunk under the latest started toolCallId',
    caughtBy: ['AGUI-5/parallel-tool-args-assemble'],
    profile: 'ag-ui',
  },
  'agui-events-after-run-error': {
    rule: 'AGUI-3',
    description: 'AG-UI: a failing tool sends RUN_ERROR and the run goes on streaming, then RUN_FINISHED',
    caughtBy: ['AGUI-3/failing-tool-ends-cleanly'],
    profile: 'ag-ui',
  },
  'agui-invalid-state-delta': {
    rule: 'AGUI-6',
    description: 'AG-UI: STATE_DELTA uses replace on a state key that does not exist yet',
    caughtBy: ['AGUI-6/state-deltas-apply'],
    profile: 'ag-ui',
  },
  'agui-message-id-reused': {
    rule: 'AGUI-4',
    description:
      'AG-UI: the assistant message id is derived from the thread, so every run of a thread reuses it',
    caughtBy: ['AGUI-4/message-ids-unique-across-runs'],
    profile: 'ag-ui',
  },
  'agui-reasoning-unclosed': {
    rule: 'AGUI-7',
    description: 'AG-UI: the reasoning block is never closed (no REASONING_MESSAGE_END / REASONING_END)',
    caughtBy: ['AGUI-7/reasoning-closed'],
    profile: 'ag-ui',
  },
  'agui-minimal-input-500': {
    rule: 'AGUI-T',
    description:
      'AG-UI: forwardedProps read as if every client sent it, so a RunAgentInput with only threadId, runId and messages fails with 500',
    caughtBy: ['AGUI-T/minimal-input-accepted'],
    profile: 'ag-ui',
  },
  'agui-input-state-echoed': {
    rule: 'AGUI-6',
    description:
      'AG-UI: the client’s state becomes the STATE_SNAPSHOT whatever it is, and the deltas then patch an array or a string as if it were an object',
    caughtBy: ['AGUI-6/state-deltas-apply-any-input-state'],
    profile: 'ag-ui',
  },
  'agui-end-of-stream-as-error': {
    rule: 'AGUI-3',
    description:
      'AG-UI: the agent’s normal end of stream is caught as a failure, so every run ends with RUN_ERROR',
    caughtBy: ['AGUI-3/successful-run-finishes'],
    profile: 'ag-ui',
  },
  'agui-step-finished-misnamed': {
    rule: 'AGUI-8',
    description:
      'AG-UI: the STEP_FINISHED of the thinking step names "undefined" (its name read from a field it does not have)',
    caughtBy: ['AGUI-8/steps-paired'],
    profile: 'ag-ui',
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

/** The faults a server was started with; `has` is what the faulty code paths ask. */
export class FaultSet {
  static readonly none = new FaultSet([]);
  private readonly names: ReadonlySet<FaultName>;

  constructor(names: readonly FaultName[]) {
    this.names = new Set(names);
  }

  has(name: FaultName): boolean {
    return this.names.has(name);
  }

  get size(): number {
    return this.names.size;
  }

  list(): FaultName[] {
    return [...this.names];
  }
}

/** Validates fault names; refuses any fault in production, where they must never run. */
export function faultSetOf(
  names: readonly string[] | undefined,
  mode: 'embedded' | 'production',
  env: NodeJS.ProcessEnv = process.env,
): FaultSet {
  if (!names?.length) return FaultSet.none;
  if (mode === 'production' || env.NODE_ENV === 'production') {
    throw new FaultError(
      `faults (${names.join(', ')}) cannot be enabled in production${env.NODE_ENV === 'production' ? ' (NODE_ENV=production)' : ' mode'}: they exist to prove the conformance suite catches bugs`,
    );
  }
  const unknown = names.filter((name) => !(name in FAULTS));
  if (unknown.length) {
    throw new FaultError(
      `unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: use one of ${FAULT_NAMES.join(', ')}`,
    );
  }
  return new FaultSet(names as FaultName[]);
}
