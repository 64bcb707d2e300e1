import { connect } from 'node:net';
import type { Endpoint } from '../types.js';
import { describeError, hostPortOf, type Probe } from './probe.js';

/** The port accepts a TCP connection: the weakest proof, for services without a protocol probe. */
export class TcpProbe implements Probe {
  readonly description = 'tcp connect';

  target(endpoint: Endpoint): string {
    const { host, port } = hostPortOf(endpoint);
    return `${host}:${port}`;
  }

  attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string> {
    const { host, port } = hostPortOf(endpoint);
    return new Promise((resolveProbe, reject) => {
      const socket = connect({ host, port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolveProbe(`connected to ${host}:${port}`);
      });
      socket.once('error', (error) => reject(new Error(describeError(error))));
    });
  }
}
