/**
 * One adapter per protocol: its checks, how an explicit target is taken, and the preflight that
 * proves the target answers before any check runs. The rest of the pipeline asks the adapter
 * instead of branching on the protocol's name.
 */

import { postRun } from '../agui/index.js';
import { AEP_CHECKS, AG_UI_CHECKS, type Check, type TargetInfo, type TokenFactory } from '../checks/index.js';
import { explainTlsError, newUserId, tlsConnectOptions } from '../client/index.js';
import { ErrorCode, usageError } from '../errors.js';
import { AG_UI_PATH, DEFAULT_LIMITS, type ReadyFrame } from '../protocol/index.js';
import { preflight, type TargetAddress, TargetUnavailableError } from '../runner/index.js';
import type { ProtocolName } from './selection.js';
import {
  type AcquiredTarget,
  disposable,
  httpBaseOf,
  refuseTierOptions,
  type TargetRequest,
} from './target.js';

export interface ProtocolAdapter {
  name: ProtocolName;
  checks: readonly Check[];
  /** The fix for a --target URL of the wrong scheme, or undefined when the scheme fits. */
  wrongScheme(url: URL): string | undefined;
  /** The target an explicit URL names; throws a usage error when options are missing. */
  externalTarget(request: TargetRequest, url: URL): AcquiredTarget;
  /** Proves the target answers and learns what it supports; throws TargetUnavailableError. */
  preflight(target: Extract<AcquiredTarget, { ok: true }>, tokens: TokenFactory): Promise<TargetInfo>;
}

const aep: ProtocolAdapter = {
  name: 'aep',
  checks: AEP_CHECKS,
  wrongScheme(url) {
    if (url.protocol === 'ws:' || url.protocol === 'wss:') return undefined;
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? `wrong URL scheme ${url.protocol} in --target ${url}: AEP/1 targets are ws:// or wss:// URLs (for AG-UI over HTTP use --profile ag-ui)`
      : `wrong URL scheme ${url.protocol} in --target ${url}: expected ws:// or wss://`;
  },
  externalTarget(request, url) {
    refuseTierOptions(request);
    const jwtSecret = request.tokenSource ? '' : (request.jwtSecret ?? request.env.AGENTWIRE_JWT_SECRET);
    if (!jwtSecret && !request.tokenSource) {
      throw usageError(
        ErrorCode.AW_MISSING_SECRET,
        'missing JWT secret for --target: pass --jwt-secret S or set AGENTWIRE_JWT_SECRET to the HS256 secret the target verifies tokens with, --jwt-private-key PATH --jwt-alg ALG when it verifies them with a public key, or --token-command CMD',
      );
    }
    return disposable({
      ok: true,
      protocol: 'aep',
      address: {
        wsUrl: url.toString(),
        httpUrl: request.httpUrl ? request.httpUrl.toString().replace(/\/$/, '') : httpBaseOf(url),
        ...(request.allowedOrigin ? { allowedOrigin: request.allowedOrigin } : {}),
        ...(request.transport ? { transport: request.transport } : {}),
      },
      jwtSecret: jwtSecret ?? '',
      ...(request.tokenSource ? { tokenSource: request.tokenSource } : {}),
      withToken: true,
      mode: 'external',
      release: async () => {},
    });
  },
  preflight: (target, tokens) => preflight(target.address, tokens),
};

/**
 * AG-UI over HTTP + SSE: an explicit target is the endpoint itself (a JWT secret is optional:
 * without one, requests carry no token); a resolved backend is checked at its /agent endpoint.
 */
const agUi: ProtocolAdapter = {
  name: 'ag-ui',
  checks: AG_UI_CHECKS,
  wrongScheme(url) {
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
    return `wrong URL scheme ${url.protocol} in --target ${url}: the ag-ui profile checks an http:// or https:// endpoint (POST RunAgentInput, SSE back)`;
  },
  externalTarget(request, url) {
    refuseTierOptions(request);
    const jwtSecret = request.tokenSource ? '' : (request.jwtSecret ?? request.env.AGENTWIRE_JWT_SECRET);
    return disposable({
      ok: true,
      protocol: 'ag-ui',
      address: {
        wsUrl: '',
        httpUrl: url.origin,
        agUiUrl: url.toString(),
        ...(request.transport ? { transport: request.transport } : {}),
      },
      jwtSecret: jwtSecret ?? '',
      ...(request.tokenSource ? { tokenSource: request.tokenSource } : {}),
      withToken: Boolean(jwtSecret || request.tokenSource),
      mode: 'external',
      release: async () => {},
    });
  },
  async preflight(target, tokens) {
    let token: string | undefined;
    try {
      token = target.withToken ? await tokens.valid(newUserId('preflight')) : undefined;
    } catch (error) {
      throw new TargetUnavailableError(`no token for the preflight user: ${(error as Error).message}`);
    }
    return agUiPreflight(target.address, token);
  },
};

const ADAPTERS: Record<ProtocolName, ProtocolAdapter> = { aep, 'ag-ui': agUi };

export function protocolAdapter(name: ProtocolName): ProtocolAdapter {
  return ADAPTERS[name];
}

async function agUiPreflight(address: TargetAddress, token: string | undefined): Promise<TargetInfo> {
  const withToken = token !== undefined;
  const url = address.agUiUrl ?? `${address.httpUrl}${AG_UI_PATH}`;
  let status: number;
  try {
    // An empty body is bad input for any AG-UI server: cheap, and it proves something listens.
    // postRun with a body no AG-UI server accepts: cheap, and it proves something listens.
    const response = await postRun(
      url,
      {},
      {
        rawBody: '{}',
        timeoutMs: 5000,
        ...(token ? { token } : {}),
        ...(address.transport?.headers ? { headers: address.transport.headers } : {}),
        ...(address.transport?.tls ? { tls: tlsConnectOptions(address.transport.tls) } : {}),
      },
    );
    status = response.status;
  } catch (error) {
    const cause =
      explainTlsError((error as { cause?: unknown }).cause) ??
      (error as { cause?: { code?: string } }).cause?.code ??
      (error as Error).message;
    throw new TargetUnavailableError(
      `AG-UI endpoint ${url} is unreachable (${cause}): start the server or fix --target`,
    );
  }
  if (status === 401 || status === 403) {
    throw new TargetUnavailableError(
      `AG-UI endpoint ${url} refused the request (HTTP ${status})${withToken ? ' with our test token: pass the secret it verifies tokens with (--jwt-secret or AGENTWIRE_JWT_SECRET)' : ': it wants a token; pass the HS256 secret it verifies tokens with (--jwt-secret or AGENTWIRE_JWT_SECRET) so every request carries one'}`,
    );
  }
  return {
    wsUrl: url,
    httpUrl: address.httpUrl,
    ready: {} as ReadyFrame,
    capabilities: new Set(),
    limits: DEFAULT_LIMITS,
    agUi: { url, withToken },
    ...(address.transport ? { transport: address.transport } : {}),
  };
}
