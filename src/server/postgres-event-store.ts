/**
 * The production event log: threads and events in Postgres, shared by every instance. `seq` and
 * `ts` are assigned by one statement that bumps the thread's counter and inserts the event, so
 * two instances can never hand out the same number, and an event is delivered only after it is
 * committed: whatever a client saw, a resume on any instance finds (R-6.4).
 */
import postgres from 'postgres';
import type { AgentEvent } from '../protocol/index.js';
import type { EventStore, NewEvent } from './event-store.js';
import { DEFAULT_SCHEMA, schemaNameProblem } from './schema-name.js';

export interface PostgresStoreOptions {
  databaseUrl: string;
  /** Schema holding the tables, created when missing. */
  schema?: string;
  /** Pool size of this instance. */
  maxConnections?: number;
}

interface EventRow {
  thread_id: string;
  run_id: string;
  seq: string;
  type: string;
  ts: Date;
  data: Record<string, unknown>;
}

export class PostgresEventStore implements EventStore {
  private constructor(
    private readonly sql: postgres.Sql,
    private readonly schema: string,
  ) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    const problem = schemaNameProblem(schema);
    if (problem) throw new Error(problem);
    const sql = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connect_timeout: 5,
    });
    try {
      await sql.begin(async (tx) => {
        // Instances starting together must not race on CREATE: one of them creates, the others wait.
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`agentwire-schema:${schema}`}))`;
        await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`;
        await tx`CREATE TABLE IF NOT EXISTS ${tx(schema)}.threads (
          id text PRIMARY KEY,
          owner_id text NOT NULL,
          last_seq bigint NOT NULL DEFAULT 0,
          last_ts timestamptz NOT NULL DEFAULT to_timestamp(0),
          created_at timestamptz NOT NULL DEFAULT now()
        )`;
        await tx`CREATE TABLE IF NOT EXISTS ${tx(schema)}.events (
          thread_id text NOT NULL REFERENCES ${tx(schema)}.threads (id) ON DELETE CASCADE,
          seq bigint NOT NULL,
          run_id text NOT NULL,
          type text NOT NULL,
          ts timestamptz NOT NULL,
          data jsonb NOT NULL,
          PRIMARY KEY (thread_id, seq)
        )`;
      });
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw new Error(`Postgres event log unavailable: ${describePostgresError(error)}`);
    }
    return new PostgresEventStore(sql, schema);
  }

  /** The schema holding this deployment's event log. */
  get schemaName(): string {
    return this.schema;
  }

  async createThread(threadId: string, ownerId: string): Promise<void> {
    const { sql, schema } = this;
    await sql`INSERT INTO ${sql(schema)}.threads (id, owner_id) VALUES (${threadId}, ${ownerId})`;
  }

  async ownerOf(threadId: string): Promise<string | undefined> {
    const { sql, schema } = this;
    const rows = await sql<{ owner_id: string }[]>`
      SELECT owner_id FROM ${sql(schema)}.threads WHERE id = ${threadId}`;
    return rows[0]?.owner_id;
  }

  async append({ threadId, runId, type, data }: NewEvent): Promise<AgentEvent> {
    const { sql, schema } = this;
    // ts never goes backwards within a thread (R-5.5), even across instances with skewed clocks.
    const rows = await sql<EventRow[]>`
      WITH numbered AS (
        UPDATE ${sql(schema)}.threads
           SET last_seq = last_seq + 1,
               last_ts = greatest(last_ts, date_trunc('milliseconds', clock_timestamp()))
         WHERE id = ${threadId}
        RETURNING last_seq, last_ts
      )
      INSERT INTO ${sql(schema)}.events (thread_id, seq, run_id, type, ts, data)
      SELECT ${threadId}, last_seq, ${runId}, ${type}, last_ts, ${sql.json(data as postgres.JSONValue)}
        FROM numbered
      RETURNING thread_id, run_id, seq, type, ts, data`;
    const row = rows[0];
    if (!row) throw new Error(`unknown thread ${threadId}`);
    return eventOf(row);
  }

  async eventsAfter(threadId: string, afterSeq: number): Promise<AgentEvent[]> {
    const { sql, schema } = this;
    const rows = await sql<EventRow[]>`
      SELECT thread_id, run_id, seq, type, ts, data FROM ${sql(schema)}.events
       WHERE thread_id = ${threadId} AND seq > ${afterSeq}
       ORDER BY seq`;
    return rows.map(eventOf);
  }

  async lastSeq(threadId: string): Promise<number> {
    const { sql, schema } = this;
    const rows = await sql<{ last_seq: string }[]>`
      SELECT last_seq FROM ${sql(schema)}.threads WHERE id = ${threadId}`;
    return Number(rows[0]?.last_seq ?? 0);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

function eventOf(row: EventRow): AgentEvent {
  return {
    type: row.type,
    thread_id: row.thread_id,
    run_id: row.run_id,
    seq: Number(row.seq),
    ts: row.ts.toISOString(),
    data: row.data,
  } as AgentEvent;
}

/** The driver's message without the connection string, which may hold a password. */
export function describePostgresError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
