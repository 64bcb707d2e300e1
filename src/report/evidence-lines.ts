/**
 * A failed check's evidence as a few terminal lines: one per frame, with connection, user, seq
 * and run id up front, so the violation can be read without opening report.json.
 */
import type { Evidence } from '../checks/index.js';

const ARROW = { sent: '→', received: '←', closed: '×', note: '·' } as const;

export function evidenceLines(evidence: Evidence | undefined, limit = 8): string[] {
  if (!evidence || evidence.transcript.length === 0) return [];
  const entries = evidence.transcript.slice(-limit);
  const hidden = (evidence.omitted ?? 0) + evidence.transcript.length - entries.length;
  const lines = entries.map((entry) => {
    const user = evidence.users?.[entry.conn];
    const who = user ? `${entry.conn}(${user})` : entry.conn;
    return `${who} ${ARROW[entry.dir]} ${describeFrame(entry.frame)}`;
  });
  if (hidden > 0) lines.unshift(`… ${hidden} earlier or unrelated frames in report.json`);
  return lines;
}

function describeFrame(frame: unknown): string {
  if (typeof frame === 'string') return clip(frame);
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return clip(JSON.stringify(frame));
  const { type, seq, run_id, thread_id: _thread, ts: _ts, ...rest } = frame as Record<string, unknown>;
  if (type === undefined) return clip(JSON.stringify(frame));
  const head = [
    typeof type === 'string' ? type : JSON.stringify(type),
    typeof seq === 'number' ? `seq=${seq}` : '',
    typeof run_id === 'string' ? `run=${run_id}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const body = Object.keys(rest).length > 0 ? ` ${clip(JSON.stringify(rest))}` : '';
  return `${head}${body}`;
}

function clip(text: string | undefined, max = 120): string {
  const value = text ?? 'undefined';
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
