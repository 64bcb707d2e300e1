/**
 * A TCP load balancer in front of several instances of one deployment: each new connection goes
 * to the next instance in turn, as a round-robin balancer without sticky sessions sends them.
 * Two connections of one check then land on different instances, so an event appended on one
 * reaches the other's subscribers only over the bus. Used by the mutation harness and the production tests.
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

export interface RoundRobinBalancer {
  /** The instances' WebSocket URL, on the balancer's port. */
  wsUrl: string;
  close(): Promise<void>;
}

/** Instances of one deployment, as `startCluster` returns them: all serve the same path. */
export async function startRoundRobinBalancer(
  instances: readonly { wsUrl: string; httpUrl: string }[],
): Promise<RoundRobinBalancer> {
  const upstreamPorts = instances.map(({ httpUrl }) => Number(new URL(httpUrl).port));
  const sockets = new Set<Socket>();
  let turn = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const port = upstreamPorts[turn++ % upstreamPorts.length]!;
    const upstream = createConnection({ host: '127.0.0.1', port });
    track(client);
    track(upstream);
    // Either side closing or failing ends the pair, as a balancer's proxied connection does.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const wsUrl = new URL(instances[0]!.wsUrl);
  wsUrl.port = String((server.address() as AddressInfo).port);
  return {
    wsUrl: wsUrl.href,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
