/**
 * A time-ordered record of what crossed the wire during one check, across all its connections.
 * It becomes the evidence of a failed check, so it keeps labels (which connection, which user)
 * and shortens what would flood a report.
 */
import { performance } from 'node:perf_hooks';

export type TranscriptDirection = 'sent' | 'received' | 'closed' | 'note';

export interface TranscriptEntry {
  t_ms: number;
  conn: string;
  dir: TranscriptDirection;
  frame: unknown;
}

const MAX_STRING = 160;

export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  /** Connection label → the user it authenticated as, so evidence can say whose frames these are. */
  readonly users = new Map<string, string>();
  private readonly origin = performance.now();

  labelUser(conn: string, user: string): void {
    this.users.set(conn, user);
  }

  record(conn: string, dir: TranscriptDirection, frame: unknown): void {
    this.entries.push({ t_ms: Math.round((performance.now() - this.origin) * 10) / 10, conn, dir, frame });
  }

  note(text: string): void {
    this.record('-', 'note', text);
  }

  /** Entries for evidence: long strings cut, at most `limit` entries kept around the end. */
  excerpt(filter?: (entry: TranscriptEntry) => boolean, limit = 40): TranscriptEntry[] {
    const chosen = filter ? this.entries.filter(filter) : this.entries;
    const tail = chosen.length > limit ? chosen.slice(chosen.length - limit) : chosen;
    return tail.map((entry) => ({ ...entry, frame: shorten(entry.frame) }));
  }
}

export function shorten(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length} chars)` : value;
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => shorten(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shorten(item, depth + 1)]));
}
