/**
 * What a close leaves behind: a run holds one of its user's in-flight slots until its
 * agent_completed, even when it finishes after its connection closed. A server that forgets to
 * give a slot back rate-limits the user for good; only a second round of runs shows it. (A
 * cancelled run's slot: R-5.8/cancelled-runs-free-their-slots, in hardening/aftermath.ts.)
 */
import type { Check } from './check.js';
import { expectEqual, fail } from './expect.js';
import { scenario } from './helpers.js';

export const leftBehindChecks: Check[] = [
  {
    id: 'R-5.8/slots-freed-after-disconnect',
    rules: ['R-5.8', 'R-4.2'],
    title: 'Runs whose connection closed give their in-flight slots back when they end',
    requires: ['scenarios', 'resume'],
    timeoutMs: 30_000,
    async run(context) {
      const limit = context.target.limits.max_inflight_runs;
      const user = context.newUser();
      const first = await context.session({ user, label: 'leaves' });
      const slow = scenario(context, { delay_ms: Math.max(60, context.eventDelayMs) });
      const acks = [];
      for (let i = 0; i < limit; i++) acks.push(await first.startRunAcked({ scenario: slow }));
      first.drop();
      const second = await context.session({ user, label: 'returns' });
      for (const ack of acks) {
        const answer = await second.request({ type: 'resume', thread_id: ack.thread_id, after_seq: 0 });
        expectEqual(
          answer.type,
          'ack',
          `answer to resume of ${ack.thread_id} after the first connection dropped`,
        );
      }
      for (const ack of acks) {
        await second
          .waitForRunEnd(ack.run_id, 15_000)
          .catch(() => fail(`run ${ack.run_id} never ended after its connection dropped`));
      }
      for (let i = 1; i <= limit; i++) {
        const answer = await second.startRun({ scenario: scenario(context) });
        expectEqual(
          answer.type,
          'ack',
          `answer to run ${i} of ${limit} once every run of the dropped connection had ended (max_inflight_runs ${limit})`,
        );
      }
    },
  },
];
