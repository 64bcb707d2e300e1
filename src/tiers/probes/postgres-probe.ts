import { redactUrl } from '../redact.js';
import type { Endpoint } from '../types.js';
import { describeError, type Probe } from './probe.js';

/** `SELECT 1` over a fresh connection: the server is up and accepts this user and database. */
export class PostgresProbe implements Probe {
  readonly description = 'postgres SELECT 1';

  target(endpoint: Endpoint): string {
    return endpoint.service === 'postgres' ? redactUrl(endpoint.url) : endpoint.service;
  }

  async attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string> {
    if (endpoint.service !== 'postgres')
      throw new Error(`a postgres probe needs postgres, not ${endpoint.service}`);
    // Loaded on first use: most runs never probe Postgres.
    const { default: postgres } = await import('postgres');
    const sql = postgres(endpoint.url, {
      max: 1,
      connect_timeout: 10,
      idle_timeout: 1,
      onnotice: () => {},
      prepare: false,
      connection: { application_name: 'agentwire-probe' },
    });
    const onAbort = () => void sql.end({ timeout: 0 });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const rows = await sql`select 1 as one`;
      if (rows[0]?.one !== 1) throw new Error(`SELECT 1 returned ${JSON.stringify(rows[0])}`);
      return 'SELECT 1 returned 1';
    } catch (error) {
      throw new Error(describeError(error));
    } finally {
      signal.removeEventListener('abort', onAbort);
      await sql.end({ timeout: 0 }).catch(() => {});
    }
  }
}
