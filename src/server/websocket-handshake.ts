/**
 * The WebSocket handshake of an instance: the upgrade request must ask for the endpoint's path,
 * come while the instance is not draining, from an allowed Origin and with a valid token
 * only `aep.v1` is ever selected as the subprotocol, a `bearer.<jwt>` entry is
 * never echoed. A refusal is a plain HTTP response with a JSON body; an accepted socket is
 * handed to `onSession`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Limits, SUBPROTOCOL } from '../protocol/index.js';
import { type TokenVerifier, tokenFromRequest, tokenTransportOf } from './auth.js';
import type { FaultSet } from './faults.js';
import type { RefusalReason, ServerMetrics } from './metrics.js';

export interface HandshakeDependencies {
  /** The WebSocket endpoint's path. */
  path: string;
  limits: Limits;
  /** When set, an Origin header that is present and not listed is refused with 403. */
  allowedOrigins?: ReadonlySet<string>;
  verifier: TokenVerifier;
  faults: FaultSet;
  logger: Logger;
  metrics: ServerMetrics;
  /** True once a drain began. */
  draining(): boolean;
  /** An accepted connection of `userId`, whose token expires at `expiresAtMs`. */
  onSession(
    ws: WebSocket,
    user: { userId: string; expiresAtMs: number; token: string | undefined },
    startedAt: number,
  ): void;
}

export interface WebSocketHandshake {
  /** The HTTP server's `upgrade` handler. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** The sockets accepted so far and still open. */
  readonly clients: Set<WebSocket>;
  /** Stops accepting; open sockets are closed by whoever drains. */
  close(): void;
}

// Stryker disable all: AEP/1 specifies a refusal's status code, not the words of its body
const REFUSAL = {
  notFound: 'not_found',
  forbidden: 'forbidden',
  originNotAllowed: 'origin not allowed',
  unauthorized: 'unauthorized',
  draining: 'draining',
  shuttingDown: 'server is shutting down',
};
// Stryker restore all

export function websocketHandshake(dependencies: HandshakeDependencies): WebSocketHandshake {
  const { path, limits, allowedOrigins, verifier, faults, logger, metrics } = dependencies;
  const wss = new WebSocketServer({
    noServer: true,
    // Stryker disable all: fault injection, off in every conformance run
    // frame-limit-counts-characters lets frames through here to count their characters in Session.
    maxPayload: faults.has('frame-limit-off-by-one')
      ? limits.max_frame_bytes - 1
      : faults.has('frame-limit-counts-characters')
        ? 4 * limits.max_frame_bytes
        : limits.max_frame_bytes,
    // Stryker restore all
    // Stryker disable next-line BooleanLiteral: AEP/1 says nothing of compression, which ws negotiates transparently on both ends
    perMessageDeflate: false,
    // Only aep.v1 may be selected: a bearer.<jwt> entry is never echoed back.
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : withoutAepV1(offered)),
  });

  /** What is selected when aep.v1 is not offered: nothing, so a lone bearer.<jwt> is never echoed. */
  // Stryker disable next-line BlockStatement: an emptied body returns undefined, which selects nothing too
  function withoutAepV1(offered: ReadonlySet<string>): string | false {
    // bearer-echoed-when-alone: the first offered is selected, as ws does without handleProtocols.
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('bearer-echoed-when-alone') && offered.size > 0) return [...offered][0]!;
    return false;
  }

  /** the Origin is one of the allowed ones, character for character. */
  function isListed(origin: string, allowed: ReadonlySet<string>): boolean {
    // Stryker disable next-line all: fault injection, off in every conformance run
    if (faults.has('origin-prefix-match')) return [...allowed].some((entry) => origin.startsWith(entry));
    return allowed.has(origin);
  }

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const startedAt = performance.now();
    const refuseUpgrade = (
      socket: Duplex,
      status: RefusalReason & `${number}`,
      error: string,
      message: string,
    ) => {
      // Stryker disable next-line all: the refusal counters are the reference backend's own /metrics, not AEP/1
      metrics.refused(status);
      refuseUpgradeWith(socket, Number(status), error, message);
    };
    // Stryker disable next-line StringLiteral: Node's HTTP server always sets request.url
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Stryker disable next-line all: AEP/1 does not say what a handshake on another path gets
    if (url.pathname !== path)
      // Stryker disable next-line all: AEP/1 does not say what a handshake on another path gets
      return refuseUpgrade(socket, '404', REFUSAL.notFound, `WebSocket endpoint is ${path}`);
    const origin = request.headers.origin;
    const foreignOrigin =
      // Stryker disable next-line ConditionalExpression: the backend the checks meet always has an allowlist, as agentwire run starts it
      allowedOrigins !== undefined && origin !== undefined && !isListed(origin, allowedOrigins);
    const transport = tokenTransportOf(request);
    // Stryker disable all: fault injection, off in every conformance run
    const originChecked =
      !faults.has('any-origin') && !(faults.has('origin-check-header-only') && transport === 'subprotocol');
    // Stryker restore all
    if (foreignOrigin && originChecked) {
      // Stryker disable next-line all: what the log says is free (R-2.5 concerns tokens, and none is logged here)
      logger.info({ origin }, 'refused origin');
      return refuseUpgrade(socket, '403', REFUSAL.forbidden, REFUSAL.originNotAllowed);
    }
    const token = tokenFromRequest(request);
    const auth = await verifier.verify(token, transport);
    if (!auth.ok) {
      // Stryker disable next-line all: what the log says is free (R-2.5 concerns tokens, and the reason names none)
      logger.info({ reason: auth.reason }, 'refused handshake');
      return refuseUpgrade(socket, '401', REFUSAL.unauthorized, auth.reason);
    }
    // Checked once the token is verified, since that is awaited: a drain may have begun, or the
    // client gone, meanwhile. A handshake during a drain is refused here whatever its token.
    if (dependencies.draining() || socket.destroyed)
      return refuseUpgrade(socket, '503', REFUSAL.draining, REFUSAL.shuttingDown);
    wss.handleUpgrade(request, socket, head, (ws) => {
      dependencies.onSession(ws, { userId: auth.userId, expiresAtMs: auth.expiresAtMs, token }, startedAt);
    });
  }

  // Stryker disable next-line ArrowFunction: closed after the HTTP server, when no connection is left to it
  return { upgrade, clients: wss.clients, close: () => wss.close() };
}

function refuseUpgradeWith(socket: Duplex, status: number, error: string, message: string): void {
  // Stryker disable all: AEP/1 specifies a refusal's status code, not its reason phrase or body
  const body = JSON.stringify({ error, message });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[
    status
  ];
  // Stryker restore all
  socket.end(
    // Stryker disable next-line LogicalOperator,StringLiteral: AEP/1 specifies a refusal's status code, not its reason phrase
    `HTTP/1.1 ${status} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
