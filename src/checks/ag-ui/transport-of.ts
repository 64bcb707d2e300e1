import { tlsConnectOptions } from '../../client/index.js';
import type { CheckContext } from '../check.js';

/** The target's gateway headers and TLS trust, as `postRun` takes them. */
export function transportOf(context: CheckContext) {
  const transport = context.target.transport;
  return {
    ...(transport?.headers ? { headers: transport.headers } : {}),
    ...(transport?.tls ? { tls: tlsConnectOptions(transport.tls) } : {}),
  };
}
