/** GET /health without keep-alive, so the probe never holds a draining server's port open. */
import { get } from 'node:http';
import { get as getTls } from 'node:https';
import { HEALTH_PATH } from '../../protocol/index.js';

export function healthStatus(httpUrl: string, timeoutMs = 2000): Promise<number | 'unreachable'> {
  const url = new URL(HEALTH_PATH, httpUrl);
  const getter = url.protocol === 'https:' ? getTls : get;
  return new Promise((resolve) => {
    const request = getter(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 'unreachable');
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve('unreachable'));
  });
}
