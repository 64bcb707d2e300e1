/**
 * Deliberate bugs the second server can be started with, to measure how many realistic bugs the
 * conformance suite catches in a server it was not written against (`npm run detection:blind`).
 * Each one breaks one clause of a numbered AEP/1 rule in a way a client can observe, and copies a
 * mistake real chat and WebSocket backends make. With no flaws the server stays correct.
 */

export interface Flaw {
  rule: string;
  /** What goes wrong on the wire. */
  bug: string;
  /** The real-world mistake it follows. */
  pattern: string;
}

export const FLAWS = {
  'frame-limit-counts-characters': {
    rule: 'R-1.3',
    bug: 'a frame over max_frame_bytes is accepted when its text has fewer characters than bytes (multi-byte UTF-8)',
    pattern: 'the size limit is checked on string.length instead of the byte length',
  },
  'binary-json-accepted': {
    rule: 'R-1.4',
    bug: 'a binary frame holding valid JSON is answered like a text frame instead of closing with 1003',
    pattern: 'a lenient decoder that reads every frame as text when it happens to parse',
  },
  'bearer-subprotocol-echoed': {
    rule: 'R-2.1',
    bug: 'when the token came as a bearer.<jwt> subprotocol, that subprotocol (the token) is selected and echoed',
    pattern:
      'selecting the protocol the credential was read from, since a browser needs one offered protocol selected',
  },
  'expired-within-leeway': {
    rule: 'R-2.2',
    bug: 'a token that expired up to 5 minutes ago is still accepted at the handshake',
    pattern: 'a generous clock-skew tolerance passed to the JWT library',
  },
  'origin-prefix-match': {
    rule: 'R-2.3',
    bug: 'an Origin that merely starts with an allowed one (https://app.example.evil.test) is upgraded',
    pattern: 'origin.startsWith(allowed) instead of an exact match',
  },
  'expiry-checked-on-next-frame': {
    rule: 'R-2.4',
    bug: 'an idle session whose token expires is never closed; 4401 comes only when the client next sends a frame',
    pattern: 'checking token expiry lazily in the message handler instead of with a timer',
  },
  'ready-after-session-store': {
    rule: 'R-3.1',
    bug: 'ready is sent 30 ms after the upgrade, and a frame the client sends at once is answered before ready',
    pattern: 'the message handler attached before an awaited session-store write that precedes ready',
  },
  'one-connection-per-user': {
    rule: 'R-4.2',
    bug: "a user's latest subscribed connection replaces their other ones: only it receives the thread's events",
    pattern: 'subscribers kept in a map keyed by user id rather than by connection',
  },
  'resume-at-head-unsubscribed': {
    rule: 'R-4.2',
    bug: 'a resume with nothing to replay (after_seq = the last seq) is acked without subscribing the connection',
    pattern: 'an early return on the "nothing missed" fast path that skips the subscription',
  },
  'foreign-thread-told-apart': {
    rule: 'R-4.3',
    bug: "resume of another user's thread answers not_found with a message saying it belongs to someone else",
    pattern: 'a helpful error message that reveals existence',
  },
  'seq-reserved-by-cancelled-step': {
    rule: 'R-5.1',
    bug: 'a run cancelled during a pause leaves a gap in the thread seq (the pending step had reserved its number)',
    pattern: 'numbers reserved before the work, never released on the error path',
  },
  'cancel-completes-before-tool': {
    rule: 'R-5.2',
    bug: "cancel during a tool call sends agent_completed first, then the open call's tool_completed",
    pattern: 'completing the run eagerly on cancel and letting the clean-up report afterwards',
  },
  'ts-stamped-before-pause': {
    rule: 'R-5.5',
    bug: 'ts is taken when a step starts, not when it is numbered: concurrent runs of one thread make ts go back',
    pattern: 'timestamp at production time, seq at commit time',
  },
  'cancel-at-checkpoints': {
    rule: 'R-5.7',
    bug: 'cancel takes effect only when the current pause ends: with delay_ms 5000 it ends the run after ~5 s',
    pattern: 'cooperative cancellation checked only between steps',
  },
  'slot-kept-by-cancelled-run': {
    rule: 'R-5.8',
    bug: 'a cancelled run keeps its in-flight slot: after max_inflight_runs cancels the user is rate_limited forever',
    pattern: 'the counter decremented only on the success path',
  },
  'missing-text-defaults-empty': {
    rule: 'R-6.1',
    bug: 'a user_message without text is acked (as an empty message) instead of answering bad_request',
    pattern: 'a default value for a missing required field',
  },
  'health-ok-until-runs-finish': {
    rule: 'R-6.4',
    bug: 'while a drain waits for running runs, /health still answers 200 and new sessions are still accepted',
    pattern: 'the draining flag set after awaiting the runs instead of before',
  },
} as const satisfies Record<string, Flaw>;

export type FlawName = keyof typeof FLAWS;

export const FLAW_NAMES = Object.keys(FLAWS) as FlawName[];

export type Flaws = ReadonlySet<FlawName>;

export const NO_FLAWS: Flaws = new Set();
