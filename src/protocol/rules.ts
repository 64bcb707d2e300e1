/** The numbered rules of AEP/1, each of which the conformance suite must cover with named checks. */
export const RULES = {
  'R-1.1': 'WebSocket at a configurable path; the server selects subprotocol aep.v1',
  'R-1.2': 'Every frame is a UTF-8 JSON text frame holding one object with a string type',
  'R-1.3': 'Frames over limits.max_frame_bytes close the connection with 1009',
  'R-1.4': 'A binary frame closes the connection with 1003',
  'R-1.5': 'GET /health answers 200 {"status":"ok"} when accepting, 503 otherwise',
  'R-2.1': 'JWT in the Authorization header or a bearer.<jwt> subprotocol, never echoed',
  'R-2.2': 'sub is the user id, exp is required; bad tokens are refused with HTTP 401',
  'R-2.3': 'An Origin outside the allowlist is refused with HTTP 403',
  'R-2.4': 'A token expiring mid-session closes the connection with 4401 within the grace',
  'R-2.5': 'Nothing the server logs or sends contains a token',
  'R-3.1': 'The first frame is ready, within 2 s, with protocol, ids, capabilities and limits',
  'R-3.2': 'Checks for features missing from capabilities are unsupported, never passed',
  'R-4.1': 'user_message without thread_id starts an owned thread; a foreign thread is not_found',
  'R-4.2': 'user_message and resume subscribe the connection to every event of the thread',
  'R-4.3': 'resume of a foreign thread answers not_found, the same as a missing thread',
  'R-4.4': 'The scenario object makes the agent deterministic; unknown keys are ignored',
  'R-5.1': 'seq is per thread, starts at 1 and grows by exactly 1 across runs',
  'R-5.2': 'A run starts with agent_started and ends with exactly one agent_completed',
  'R-5.3': 'Every tool_executing has exactly one matching tool_completed in the same run',
  'R-5.4': 'A failing tool gives ok:false and the run still completes; the connection stays open',
  'R-5.5': 'ts is RFC 3339 UTC with milliseconds and never decreases within a thread',
  'R-5.6': 'Events of a thread reach only connections of its owner, under concurrency',
  'R-5.7': 'cancel ends a running run as cancelled within 2 s; unknown runs are not_found',
  'R-5.8': 'At most max_inflight_runs per user; one more answers rate_limited',
  'R-6.1': 'Malformed frames answer error bad_request and the connection stays open',
  'R-6.2': 'Error codes are bad_request, not_found, rate_limited or internal',
  'R-6.3': 'Close codes 1000, 1001, 1003, 1009, 1011 and 4401 mean what AEP/1 says',
  'R-6.4': 'Graceful shutdown: stop accepting, /health 503, finish runs, close 1001, resume loses nothing',
  'R-6.5': 'A crashed instance’s runs end within 10 s as error instance_lost, next seq, slots freed',
} as const;

export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];
/** Frames listed in the section 4 table without a rule number of their own (ping). */
export const SECTION_4_TABLE = '§4';
