/**
 * A stand-in AEP/1 server for tests of how agentwire treats a broken one: it selects aep.v1,
 * sends a `ready`, answers /health, and hands every client frame to the test's handler.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface StubServer {
  wsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

export async function stubAepServer(options: {
  serverName?: string;
  onMessage(socket: WebSocket, data: Buffer): void;
}): Promise<StubServer> {
  const http = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  const wss = new WebSocketServer({ server: http, handleProtocols: () => 'aep.v1' });
  wss.on('connection', (socket) => {
    // Invalid UTF-8 (from the fuzzer) makes ws close the socket with 1007 and emit this.
    socket.on('error', () => {});
    socket.send(
      JSON.stringify({
        type: 'ready',
        protocol: 'aep.v1',
        session_id: 's_1',
        user_id: 'u_1',
        server: { name: options.serverName ?? 'stub', version: '0' },
        capabilities: [],
        limits: { max_frame_bytes: 65536, max_inflight_runs: 4, expiry_grace_ms: 5000 },
      }),
    );
    socket.on('message', (data) => options.onMessage(socket, data as Buffer));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
