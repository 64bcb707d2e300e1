/**
 * Cuts a failed check's transcript down to the frames that show the violation: the frames the
 * failure points at, each with its neighbours on the same connection, plus the close of any
 * connection it names. Without a pointer the last few entries are kept, as before.
 */
import type { Evidence, EvidenceFocus } from '../checks/index.js';
import { shorten, type Transcript, type TranscriptEntry } from '../client/index.js';

export interface TrimOptions {
  /** Entries kept before and after each pointed-at frame on its connection. */
  around?: number;
  /** Entries kept from the end when the failure points at nothing. */
  fallback?: number;
  /** Hard cap on the entries kept. */
  max?: number;
}

export function minimalTranscript(
  entries: readonly TranscriptEntry[],
  focus: EvidenceFocus | undefined,
  options: TrimOptions = {},
): { transcript: TranscriptEntry[]; omitted: number } {
  const around = options.around ?? 2;
  const fallback = options.fallback ?? 12;
  const max = options.max ?? 30;
  const kept = new Set<number>();

  const wanted = focus?.frames ?? [];
  const wantedJson = new Set(wanted.map((frame) => safeJson(frame)));
  const byConnection = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    const list = byConnection.get(entry.conn) ?? [];
    list.push(index);
    byConnection.set(entry.conn, list);
  });

  entries.forEach((entry, index) => {
    const pointed =
      wanted.includes(entry.frame) || (wantedJson.size > 0 && wantedJson.has(safeJson(entry.frame)));
    if (!pointed) return;
    const siblings = byConnection.get(entry.conn)!;
    const position = siblings.indexOf(index);
    for (const sibling of siblings.slice(Math.max(0, position - around), position + around + 1))
      kept.add(sibling);
  });
  for (const conn of focus?.connections ?? []) {
    const siblings = byConnection.get(conn) ?? [];
    for (const sibling of siblings.slice(-(around + 1))) kept.add(sibling);
  }

  let chosen = [...kept].sort((a, b) => a - b);
  if (chosen.length === 0) chosen = entries.map((_, index) => index).slice(-fallback);
  if (chosen.length > max) chosen = chosen.slice(-max);
  return {
    transcript: chosen.map((index) => ({ ...entries[index]!, frame: shorten(entries[index]!.frame) })),
    omitted: entries.length - chosen.length,
  };
}

/** The evidence of a failure: the minimal transcript, the details and whose connections they are. */
export function evidenceOf(
  transcript: Transcript,
  details?: Record<string, unknown>,
  focus?: EvidenceFocus,
): Evidence {
  const { transcript: entries, omitted } = minimalTranscript(transcript.entries, focus);
  const labels = new Set(entries.map((entry) => entry.conn));
  const users = Object.fromEntries([...transcript.users].filter(([conn]) => labels.has(conn)));
  return {
    transcript: entries,
    ...(details ? { details } : {}),
    ...(Object.keys(users).length > 0 ? { users } : {}),
    ...(omitted > 0 ? { omitted } : {}),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
