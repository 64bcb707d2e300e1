import { describe, expect, it } from 'vitest';
import { Transcript, type TranscriptEntry } from '../client/index.js';
import { evidenceOf, minimalTranscript } from './evidence.js';

function entry(conn: string, frame: unknown, dir: TranscriptEntry['dir'] = 'received'): TranscriptEntry {
  return { t_ms: 0, conn, dir, frame };
}

function event(seq: number, run = 'r_1') {
  return { type: 'agent_message', thread_id: 't_1', run_id: run, seq, data: { delta: `d${seq}` } };
}

describe('minimal evidence transcript', () => {
  const a = Array.from({ length: 20 }, (_, i) => entry('a', event(i + 1)));
  const b = Array.from({ length: 20 }, (_, i) => entry('b', event(i + 1, 'r_2')));
  const entries = a.flatMap((item, i) => [item, b[i]!]);

  it('keeps the pointed-at frame with two neighbours on its own connection', () => {
    const offending = a[9]!.frame;
    const { transcript, omitted } = minimalTranscript(entries, { frames: [offending] });
    expect(transcript.map((e) => `${e.conn}:${(e.frame as { seq: number }).seq}`)).toEqual([
      'a:8',
      'a:9',
      'a:10',
      'a:11',
      'a:12',
    ]);
    expect(omitted).toBe(entries.length - 5);
  });

  it('matches a frame by equal JSON when it is not the same object', () => {
    const { transcript } = minimalTranscript(entries, { frames: [event(20, 'r_2')] }, { around: 0 });
    expect(transcript).toEqual([entry('b', event(20, 'r_2'))]);
  });

  it('keeps the last exchange and close of a named connection', () => {
    const withClose = [...entries, entry('b', { code: 1009, reason: '' }, 'closed'), entry('a', event(21))];
    const { transcript } = minimalTranscript(withClose, { connections: ['b'] }, { around: 1 });
    expect(transcript.map((e) => e.dir)).toEqual(['received', 'closed']);
    expect(transcript.every((e) => e.conn === 'b')).toBe(true);
  });

  it('falls back to the last entries when the failure points at nothing it can find', () => {
    const { transcript, omitted } = minimalTranscript(
      entries,
      { frames: [{ type: 'nowhere' }] },
      { fallback: 4 },
    );
    expect(transcript).toEqual(entries.slice(-4));
    expect(omitted).toBe(entries.length - 4);
  });

  it('caps what it keeps and shortens long strings', () => {
    const long = entry('a', { type: 'x', text: 'y'.repeat(1000) });
    const { transcript } = minimalTranscript(
      [long, ...entries],
      { frames: entries.map((e) => e.frame) },
      { max: 10 },
    );
    expect(transcript).toHaveLength(10);
    const { transcript: shortened } = minimalTranscript([long], { frames: [long.frame] });
    expect((shortened[0]!.frame as { text: string }).text.length).toBeLessThan(200);
  });

  it('labels the connections in the evidence with their users and counts what it left out', () => {
    const transcript = new Transcript();
    transcript.labelUser('a', 'u_alice');
    transcript.labelUser('b', 'u_bob');
    const frames = [event(1), event(2), event(3)];
    for (const frame of frames) transcript.record('a', 'received', frame);
    transcript.record('b', 'received', event(1, 'r_2'));
    const evidence = evidenceOf(transcript, { why: 'gap' }, { frames: [frames[0]] });
    expect(evidence.users).toEqual({ a: 'u_alice' });
    expect(evidence.details).toEqual({ why: 'gap' });
    expect(evidence.transcript).toHaveLength(3);
    expect(evidence.omitted).toBe(1);
  });
});
