/**
 * What a conformance check is and what it can conclude. A check throws CheckFailure (with the
 * evidence that proves it) or Unsupported; returning normally means it passed. The runner turns
 * anything else a check throws into `failed`, so a crashing check is never lost.
 */
import type {
  AepConnection,
  ClientTransport,
  ConnectOptions,
  Transcript,
  TranscriptEntry,
} from '../client/index.js';
import type { Limits, ReadyFrame } from '../protocol/index.js';
import type { CheckInfo } from './check-info.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'unsupported';

export interface Evidence {
  /** The frames that show the violation, labelled by connection. */
  transcript: TranscriptEntry[];
  /** Anything else that explains it: expected vs actual, the offending event. */
  details?: Record<string, unknown>;
  /** The user each connection label authenticated as. */
  users?: Record<string, string>;
  /** Entries of the full transcript left out of `transcript` because they show nothing. */
  omitted?: number;
}

/** What a failure points at, so its evidence can be cut down to the frames that show it. */
export interface EvidenceFocus {
  /** The offending frames as received or sent (same object, or equal JSON), shown with neighbours. */
  frames?: readonly unknown[];
  /** Connections whose last exchange and close matter (e.g. one that closed with a wrong code). */
  connections?: readonly string[];
}

export type CheckOutcome =
  | { status: 'passed' }
  | { status: 'failed'; reason: string; evidence: Evidence }
  | { status: 'skipped'; reason: string }
  | { status: 'unsupported'; reason: string };

export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
    readonly focus?: EvidenceFocus,
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

export class Unsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

export interface TargetInfo {
  wsUrl: string;
  httpUrl: string;
  /** An Origin the target accepts; without it the Origin checks are unsupported. */
  allowedOrigin?: string;
  ready: ReadyFrame;
  capabilities: ReadonlySet<string>;
  limits: Limits;
  /** The AG-UI endpoint (profile ag-ui), and whether it is sent a bearer token. */
  agUi?: { url: string; withToken: boolean };
  /** Set when the target upgraded with aep.v1 but sent no ready: `ready` is then empty. */
  readyMissing?: string;
  /** Gateway headers and TLS trust every connection and request to the target uses. */
  transport?: ClientTransport;
}

export interface TokenFactory {
  valid(sub: string, options?: { expiresInS?: number }): Promise<string>;
  expired(sub: string): Promise<string>;
  badSignature(sub: string): Promise<string>;
  algNone(sub: string): string;
  wrongAlgorithm(sub: string): Promise<string>;
  withoutExp(sub: string): Promise<string>;
  /** Correctly signed and unexpired, but with no `sub` claim: no user id. */
  withoutSub(): Promise<string>;
  /** Correctly signed and unexpired, with `sub` set to the empty string. */
  emptySub(): Promise<string>;
  /** Correctly signed and unexpired, with a number as `sub` (RFC 7519: a string). */
  numericSub(): Promise<string>;
}

export type ConnectRequest = Omit<ConnectOptions, 'url' | 'transcript' | 'token'> & {
  /** Another URL than the target's (a different path or query). */
  url?: string;
  /** The user to authenticate as; a fresh user when omitted. */
  user?: string;
  /** An explicit token (possibly broken on purpose) instead of a valid one for `user`. */
  token?: string | null;
};

/** How big scenario checks make their flows (from the execution profile). */
export interface ScenarioSizing {
  sessions: number;
  runsPerSession: number;
  fuzzFrames: number;
}

/** A second instance of the target that a check may shut down (embedded mode only). */
export interface DisposableTarget {
  wsUrl: string;
  httpUrl: string;
  /** Graceful shutdown; resolves when the instance has closed every session. */
  drain(): Promise<void>;
  /**
   * Another instance of the same deployment (sharing the event log), which outlives the drain:
   * where a drained client reconnects. Absent when the target has only one instance.
   */
  sibling?: { wsUrl: string; httpUrl: string };
  /**
   * Stops the first instance as a crash would (no drain, runs left unfinished, R-6.5); resolves
   * once it is gone. Absent when the target cannot be crashed on purpose.
   */
  crash?(): Promise<void>;
}

export interface CheckContext {
  readonly target: TargetInfo;
  readonly tokens: TokenFactory;
  readonly transcript: Transcript;
  readonly signal: AbortSignal;
  /** Pause between events that checks ask the scripted agent for (profile-driven). */
  readonly eventDelayMs: number;
  readonly sizing: ScenarioSizing;
  /** Seed for generated input (fuzzing); recorded in the report so a run can be repeated. */
  readonly seed: number;
  /**
   * Starts a fresh instance of the target with the same settings, stopped after the check.
   * Only the embedded backend offers it; absent for an external --target.
   */
  disposableTarget?(): Promise<DisposableTarget>;
  newUser(): string;
  /** Opens a connection the runner closes after the check; resolves after the upgrade. */
  connect(request?: ConnectRequest): Promise<AepConnection>;
  /** Opens a connection and awaits its `ready`. */
  session(request?: ConnectRequest): Promise<AepConnection>;
}

export interface Check extends CheckInfo {
  /** Overrides the profile's per-check timeout for checks that wait on purpose. */
  timeoutMs?: number;
  run(context: CheckContext): Promise<void>;
}
