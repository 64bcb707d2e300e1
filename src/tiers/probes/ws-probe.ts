import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { Endpoint } from '../types.js';
import { describeError, type Probe } from './probe.js';

const SUBPROTOCOL = 'aep.v1';
const PROBE_USER = 'u_agentwire_probe';

/**
 * Opens an AEP/1 session and waits for the server's first frame, `ready`. Without credentials a
 * handshake refused with 401 still proves an AEP/1 server is listening, and says so.
 */
export class WsProbe implements Probe {
  readonly description = 'ws aep.v1 ready';

  target(endpoint: Endpoint): string {
    if (endpoint.service !== 'backend') return endpoint.service;
    const url = new URL(endpoint.wsUrl);
    url.search = '';
    return url.toString();
  }

  async attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string> {
    if (endpoint.service !== 'backend')
      throw new Error(`a ws probe needs a backend, not ${endpoint.service}`);
    const token = await tokenFor(endpoint.auth);
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return new Promise((resolveProbe, reject) => {
      const socket = new WebSocket(endpoint.wsUrl, SUBPROTOCOL, { headers, handshakeTimeout: 10_000 });
      const finish = (error: Error | undefined, detail?: string) => {
        signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.terminate();
        if (error) reject(error);
        else resolveProbe(detail ?? 'ready');
      };
      const onAbort = () => finish(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        if (status === 401 && !token) {
          finish(
            undefined,
            'handshake answered 401 without credentials: an authenticating server is up (no token known to open a session)',
          );
        } else {
          finish(
            new Error(
              `handshake answered HTTP ${status}${status === 401 ? ' with our token: wrong secret or token' : ''}`,
            ),
          );
        }
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return finish(new Error('first frame was binary, expected {"type":"ready"}'));
        let frame: { type?: unknown; protocol?: unknown };
        try {
          frame = JSON.parse(data.toString());
        } catch {
          return finish(new Error(`first frame is not JSON: ${data.toString().slice(0, 80)}`));
        }
        if (frame.type !== 'ready')
          return finish(new Error(`first frame was "${String(frame.type)}", expected "ready"`));
        finish(undefined, `ready (protocol ${String(frame.protocol)})`);
      });
      socket.on('close', (code) => finish(new Error(`closed with ${code} before ready`)));
      socket.on('error', (error) => finish(new Error(describeError(error))));
    });
  }
}

async function tokenFor(
  auth: Extract<Endpoint, { service: 'backend' }>['auth'],
): Promise<string | undefined> {
  if (auth.kind === 'token') return auth.token;
  if (auth.kind === 'none') return undefined;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(PROBE_USER)
    .setIssuedAt(now - 1)
    .setExpirationTime(now + 120)
    .sign(new TextEncoder().encode(auth.secret));
}
