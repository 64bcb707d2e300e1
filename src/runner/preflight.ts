/**
 * Before any check runs, one real session proves the target is reachable, accepts our tokens
 * and speaks AEP/1; its `ready` tells the capabilities and limits that gate the checks.
 */

import type { TargetInfo, TokenFactory } from '../checks/index.js';
import {
  AepConnection,
  type ClientTransport,
  explainTlsError,
  HandshakeRejectedError,
  newUserId,
} from '../client/index.js';
import { DEFAULT_LIMITS, type ReadyFrame, readySchema, SUBPROTOCOL } from '../protocol/index.js';

export class TargetUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetUnavailableError';
  }
}

export interface TargetAddress {
  wsUrl: string;
  httpUrl: string;
  allowedOrigin?: string;
  /** The AG-UI endpoint itself, when the target is one (protocol ag-ui). */
  agUiUrl?: string;
  /** Gateway headers and TLS trust (--header, --ca, --insecure). */
  transport?: ClientTransport;
}

export async function preflight(
  address: TargetAddress,
  tokens: TokenFactory,
  timeoutMs = 5000,
): Promise<TargetInfo> {
  let token: string;
  try {
    token = await tokens.valid(newUserId('preflight'));
  } catch (error) {
    throw new TargetUnavailableError(`no token for the preflight user: ${(error as Error).message}`);
  }
  let connection: AepConnection;
  try {
    connection = await AepConnection.open({
      url: address.wsUrl,
      token,
      label: 'preflight',
      handshakeTimeoutMs: timeoutMs,
      ...(address.transport?.headers ? { headers: address.transport.headers } : {}),
      ...(address.transport?.tls ? { tls: address.transport.tls } : {}),
      ...(address.allowedOrigin ? { origin: address.allowedOrigin } : {}),
    });
  } catch (error) {
    throw new TargetUnavailableError(explainConnectError(address.wsUrl, error));
  }
  try {
    const ready = await connection.ready(timeoutMs).catch(async () => {
      // A server that sent no ready but answers a ping speaks AEP/1 and broke: the checks
      // say so. Anything else that upgrades and stays silent (or echoes) is not an AEP/1 server,
      // and running every check against it would only repeat that 50 times.
      if (connection.protocol === SUBPROTOCOL && (await answersPing(connection))) return undefined;
      throw new TargetUnavailableError(
        `target ${address.wsUrl} upgraded but sent no ready within ${timeoutMs} ms and did not answer a ping: it is not an AEP/1 server (check the URL and path of --target)`,
      );
    });
    if (ready === undefined) {
      return {
        ...address,
        ready: {} as ReadyFrame,
        capabilities: new Set(),
        limits: DEFAULT_LIMITS,
        readyMissing: `selected ${SUBPROTOCOL} but sent no ready within ${timeoutMs} ms (R-3.1): capability-gated checks are unsupported`,
      };
    }
    const parsed = readySchema.safeParse(ready);
    const capabilities = Array.isArray(ready?.capabilities)
      ? ready.capabilities.filter((c) => typeof c === 'string')
      : [];
    return {
      ...address,
      ready,
      capabilities: new Set(capabilities),
      // A malformed ready is reported by the checks; the run still goes on with defaults.
      limits: parsed.success ? { ...DEFAULT_LIMITS, ...parsed.data.limits } : DEFAULT_LIMITS,
    };
  } finally {
    await connection.close();
  }
}

async function answersPing(connection: AepConnection): Promise<boolean> {
  try {
    connection.send({ type: 'ping', id: 'preflight-ping' });
    await connection.waitFor((frame) => frame.type === 'pong' || frame.type === 'error', 2000, 'a pong');
    return true;
  } catch {
    return false;
  }
}

function explainConnectError(url: string, error: unknown): string {
  if (error instanceof HandshakeRejectedError) {
    if (error.status === 401) {
      return `target ${url} refused a valid test token (HTTP 401): pass what it verifies tokens with (--jwt-secret, --jwt-private-key with --jwt-alg, or --token-command)`;
    }
    if (error.status === 403) {
      return `target ${url} refused our Origin (HTTP 403): pass an Origin it allows with --allowed-origin URL`;
    }
    return `target ${url} refused the WebSocket upgrade with HTTP ${error.status}: check the URL and path`;
  }
  const tls = explainTlsError(error);
  if (tls) return `target ${url} is unreachable (${tls})`;
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused: nothing listens there; start the server or fix --target'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host name not found: fix --target'
        : ((error as Error)?.message ?? String(error));
  return `target ${url} is unreachable (${reason})`;
}
