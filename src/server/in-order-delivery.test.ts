import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../protocol/index.js';
import { InOrderDelivery } from './in-order-delivery.js';

const event = (seq: number, thread = 't_1'): AgentEvent =>
  ({
    type: 'agent_message',
    thread_id: thread,
    run_id: 'r_1',
    seq,
    ts: new Date(0).toISOString(),
    data: {},
  }) as AgentEvent;

function delivery(log: AgentEvent[] = []) {
  const sent: number[] = [];
  const reads: number[] = [];
  const ordered = new InOrderDelivery(
    (e) => sent.push(e.seq),
    async (_thread, afterSeq) => {
      reads.push(afterSeq);
      return log.filter((e) => e.seq > afterSeq);
    },
    10,
  );
  return { ordered, sent, reads };
}

describe('InOrderDelivery', () => {
  it('holds an event that arrives ahead of its predecessor until the predecessor comes', () => {
    const { ordered, sent } = delivery();
    ordered.follow('t_1', 17);
    ordered.offer(event(18));
    expect(sent).toEqual([]);
    ordered.offer(event(17));
    ordered.offer(event(19));
    expect(sent).toEqual([17, 18, 19]);
    ordered.close();
  });

  it('drops what was already delivered, or came before the connection followed the thread', () => {
    const { ordered, sent } = delivery();
    ordered.follow('t_1', 5);
    for (const seq of [4, 5, 5, 6, 6]) ordered.offer(event(seq));
    expect(sent).toEqual([5, 6]);
    ordered.close();
  });

  it('reads a missing event from the log when it does not arrive in time', async () => {
    const log = [1, 2, 3, 4].map((seq) => event(seq));
    const { ordered, sent, reads } = delivery(log);
    ordered.follow('t_1', 1);
    ordered.offer(event(1));
    ordered.offer(event(3));
    await sleep(40);
    expect(reads).toEqual([1]);
    expect(sent).toEqual([1, 2, 3, 4]);
    // The copy that was late on the bus is not delivered twice.
    ordered.offer(event(2));
    expect(sent).toEqual([1, 2, 3, 4]);
    ordered.close();
  });

  it('reads again for a gap shown while the log was being read, and after a failed read', async () => {
    // The log as a remote store serves it: as it was when the read was served.
    let log = [1, 2, 3].map((seq) => event(seq));
    const sent: number[] = [];
    const reads: number[] = [];
    let failNext = true;
    const ordered = new InOrderDelivery(
      (e) => sent.push(e.seq),
      async (_thread, afterSeq) => {
        reads.push(afterSeq);
        if (failNext) {
          failNext = false;
          throw new Error('log unreachable');
        }
        const served = log.filter((e) => e.seq > afterSeq);
        await sleep(30);
        return served;
      },
      10,
    );
    ordered.follow('t_1', 1);
    ordered.offer(event(1));
    ordered.offer(event(3)); // 2 lost on the bus
    while (reads.length < 2) await sleep(1); // the first read failed; the second is served, on its way
    log = [1, 2, 3, 4, 5, 6].map((seq) => event(seq));
    ordered.offer(event(6)); // 4 and 5 lost too, after the second read was served
    while (sent.length < 6) await sleep(1);
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reads.length).toBeGreaterThanOrEqual(3);
    ordered.close();
  });

  it('passes events of threads it does not follow straight through, and keeps threads apart', () => {
    const { ordered, sent } = delivery();
    ordered.follow('t_1', 1);
    ordered.offer(event(2, 't_1'));
    ordered.offer(event(7, 't_2'));
    expect(sent).toEqual([7]);
    ordered.offer(event(1, 't_1'));
    expect(sent).toEqual([7, 1, 2]);
    ordered.close();
  });
});
