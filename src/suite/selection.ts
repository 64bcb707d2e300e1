/**
 * Which checks a run gets, from their descriptions alone (no check code): the --checks patterns,
 * and, against an explicit target, leaving out checks that need instances of their own. planRun
 * uses it on the checks themselves and `run --list` on the catalogue, so both select alike.
 */
import type { CheckInfo } from '../checks/check-info.js';
import { selectChecks } from '../checks/select.js';
import { ErrorCode, usageError } from '../errors.js';

export const PROTOCOL_NAMES = ['aep', 'ag-ui'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** The protocol --profile names, or a usage error naming the choices. */
export function protocolNamed(name: string): ProtocolName {
  if (!(PROTOCOL_NAMES as readonly string[]).includes(name))
    throw usageError(
      ErrorCode.AW_BAD_PROFILE,
      `unknown --profile "${name}": use ${PROTOCOL_NAMES.join(' or ')}`,
    );
  return name as ProtocolName;
}

const LEFT_OUT_WITH_TARGET =
  'starts instances of the target of its own, which an explicit target cannot offer: ask for it with --checks to run it anyway';

/**
 * The selected checks. Against an explicit target, checks that need instances of their own are
 * left out unless the --checks patterns ask for them. Selecting nothing is a usage error.
 */
export function checksOf<T extends CheckInfo>(
  all: readonly T[],
  patterns: string | undefined,
  explicitTarget: boolean,
): { checks: T[]; leftOut: { id: string; reason: string }[] } {
  const selected = selectChecks(all, patterns);
  if (selected.length === 0)
    throw usageError(
      ErrorCode.AW_NO_CHECKS,
      `--checks "${patterns}" matches no check: see agentwire run --list`,
    );
  if (!explicitTarget || patterns) return { checks: selected, leftOut: [] };
  return {
    checks: selected.filter((check) => !check.needsOwnInstances),
    leftOut: selected
      .filter((check) => check.needsOwnInstances)
      .map((check) => ({ id: check.id, reason: LEFT_OUT_WITH_TARGET })),
  };
}
