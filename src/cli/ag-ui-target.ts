/**
 * Targets for `--profile ag-ui`: an external AG-UI endpoint named by --target (a JWT secret is
 * optional there: without one, requests carry no token), or the /agent endpoint of whatever
 * backend the environment resolved. The preflight proves the endpoint answers HTTP at all.
 */
import type { TargetInfo } from '../checks/index.js';
import { AG_UI_PATH, DEFAULT_LIMITS, type ReadyFrame } from '../protocol/index.js';
import { type TargetAddress, TargetUnavailableError } from '../runner/index.js';
import type { AcquiredTarget, TargetRequest } from './run-target.js';

export function agUiExternalTarget(target: URL, request: TargetRequest): AcquiredTarget {
  const jwtSecret = request.jwtSecret ?? request.env.AGENTWIRE_JWT_SECRET;
  return {
    ok: true,
    address: { wsUrl: target.toString(), httpUrl: target.origin },
    jwtSecret: jwtSecret ?? '',
    withToken: Boolean(jwtSecret),
    mode: 'external',
    release: async () => {},
  };
}

export async function agUiPreflight(
  address: TargetAddress,
  externalUrl: string | undefined,
  withToken: boolean,
): Promise<TargetInfo> {
  const url = externalUrl ?? `${address.httpUrl}${AG_UI_PATH}`;
  try {
    // An empty body is bad input for any AG-UI server: cheap, and it proves something listens.
    await fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(5000) }).then((r) =>
      r.body?.cancel(),
    );
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new TargetUnavailableError(
      `AG-UI endpoint ${url} is unreachable (${cause}): start the server or fix --target`,
    );
  }
  return {
    wsUrl: url,
    httpUrl: address.httpUrl,
    ready: {} as ReadyFrame,
    capabilities: new Set(),
    limits: DEFAULT_LIMITS,
    agUi: { url, withToken },
  };
}
