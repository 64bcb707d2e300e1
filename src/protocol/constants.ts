/** Names and numbers fixed by AEP/1 (shared/protocol/AEP-1.md). */

export const SUBPROTOCOL = 'aep.v1';
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';
export const DEFAULT_WS_PATH = '/ws';
export const HEALTH_PATH = '/health';
/** Where the reference backend serves AG-UI (POST RunAgentInput, SSE back). */
export const AG_UI_PATH = '/agent';
export const READY_DEADLINE_MS = 2000;
export const CANCEL_DEADLINE_MS = 2000;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  messageTooBig: 1009,
  internalError: 1011,
  tokenExpired: 4401,
} as const;

export const ERROR_CODES = ['bad_request', 'not_found', 'rate_limited', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const CAPABILITIES = ['resume', 'cancel', 'tools', 'streaming', 'scenarios'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface Limits {
  max_frame_bytes: number;
  max_inflight_runs: number;
  expiry_grace_ms: number;
}

export const DEFAULT_LIMITS: Limits = {
  max_frame_bytes: 65536,
  max_inflight_runs: 4,
  expiry_grace_ms: 5000,
};

export const EVENT_TYPES = [
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_message',
  'agent_completed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const RUN_STATUSES = ['ok', 'error', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
