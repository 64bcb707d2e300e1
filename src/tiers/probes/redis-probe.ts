import { redactUrl } from '../redact.js';
import type { Endpoint } from '../types.js';
import { describeError, type Probe } from './probe.js';

/** `PING` → `PONG` over a fresh connection, with ioredis' own reconnecting switched off. */
export class RedisProbe implements Probe {
  readonly description = 'redis PING';

  target(endpoint: Endpoint): string {
    return endpoint.service === 'redis' ? redactUrl(endpoint.url) : endpoint.service;
  }

  async attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string> {
    if (endpoint.service !== 'redis') throw new Error(`a redis probe needs redis, not ${endpoint.service}`);
    // Loaded on first use: most runs never probe Redis, and every command start pays for imports.
    const { Redis } = await import('ioredis');
    const client = new Redis(endpoint.url, {
      lazyConnect: true,
      connectTimeout: 10_000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    const onAbort = () => client.disconnect();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      const answer = await client.ping();
      if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
      return 'PING answered PONG';
    } catch (error) {
      throw new Error(describeError(error));
    } finally {
      signal.removeEventListener('abort', onAbort);
      client.disconnect();
    }
  }
}
