import { describe, expect, it } from 'vitest';
import { evidenceLines } from './evidence-lines.js';

describe('evidence lines for the terminal', () => {
  const evidence = {
    transcript: [
      {
        t_ms: 1,
        conn: 'phone',
        dir: 'sent' as const,
        frame: { type: 'resume', id: 'p-1', thread_id: 't_1', after_seq: 3 },
      },
      {
        t_ms: 2,
        conn: 'phone',
        dir: 'received' as const,
        frame: {
          type: 'agent_message',
          thread_id: 't_1',
          run_id: 'r_9',
          seq: 5,
          ts: 'x',
          data: { delta: 'hi' },
        },
      },
      { t_ms: 3, conn: 'laptop', dir: 'closed' as const, frame: { code: 1001, reason: 'bye' } },
    ],
    users: { phone: 'u_ann' },
    omitted: 40,
  };

  it('puts connection, user, direction, type, seq and run id first, and says what was left out', () => {
    const lines = evidenceLines(evidence);
    expect(lines[0]).toBe('… 40 earlier or unrelated frames in report.json');
    expect(lines[1]).toBe('phone(u_ann) → resume {"id":"p-1","after_seq":3}');
    expect(lines[2]).toBe('phone(u_ann) ← agent_message seq=5 run=r_9 {"data":{"delta":"hi"}}');
    expect(lines[3]).toBe('laptop × {"code":1001,"reason":"bye"}');
  });

  it('shows at most `limit` frames and counts the rest as omitted', () => {
    const lines = evidenceLines(evidence, 1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('42 earlier');
  });

  it('prints nothing without evidence', () => {
    expect(evidenceLines(undefined)).toEqual([]);
    expect(evidenceLines({ transcript: [] })).toEqual([]);
  });
});
