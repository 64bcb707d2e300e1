/**
 * Named failure codes of environment resolution, created in one place so the CLI, the report
 * and the docs can refer to them. Each message names the problem and how to fix it.
 */
import { ErrorCode } from '../errors.js';
export const TierErrorCode = {
  nothingResolved: ErrorCode.AW_ENV_NOT_RESOLVED,
  requiredTierUnused: ErrorCode.AW_ENV_REQUIRED_TIER_UNUSED,
  unknownTier: ErrorCode.AW_ENV_UNKNOWN_TIER,
  composeFileMissing: ErrorCode.AW_COMPOSE_FILE_MISSING,
  composeMissing: ErrorCode.AW_COMPOSE_MISSING,
  composeFailed: ErrorCode.AW_COMPOSE_FAILED,
  dockerNoClient: ErrorCode.AW_DOCKER_NO_CLIENT,
  dockerNoEngine: ErrorCode.AW_DOCKER_NO_ENGINE,
  dockerPermission: ErrorCode.AW_DOCKER_PERMISSION_DENIED,
  portInUse: ErrorCode.AW_PORT_IN_USE,
  processExited: ErrorCode.AW_PROCESS_EXITED,
  binaryMissing: ErrorCode.AW_BINARY_MISSING,
  stateMissing: ErrorCode.AW_STATE_MISSING,
} as const;
export type TierErrorCode = (typeof TierErrorCode)[keyof typeof TierErrorCode];

export class TierError extends Error {
  constructor(
    readonly code: TierErrorCode,
    message: string,
    /** Last log lines of the service involved, when there is one. */
    readonly logs: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TierError';
  }
}

export const tierError = (code: TierErrorCode, message: string, logs: readonly string[] = []) =>
  new TierError(code, message, logs);
