/**
 * Keeps one connection's events in `seq` order when a thread has writers on several instances.
 * Instance A may deliver its seq 18 before instance B's seq 17 arrives over the bus; wants
 * 17 first on every connection. Events ahead of the next expected seq wait here; when the missing
 * one does not arrive within `gapWaitMs` it is read from the event log (it was stored before it
 * was published), and a number the log itself lacks is skipped, since the log is the truth.
 */
import type { AgentEvent } from '../protocol/index.js';

interface ThreadStream {
  next: number;
  readonly waiting: Map<number, AgentEvent>;
  timer?: NodeJS.Timeout;
  filling: boolean;
}

export class InOrderDelivery {
  private readonly streams = new Map<string, ThreadStream>();

  constructor(
    private readonly send: (event: AgentEvent) => void,
    private readonly readLog: (threadId: string, afterSeq: number) => Promise<AgentEvent[]>,
    private readonly gapWaitMs = 50,
  ) {}

  /** From now on this connection gets the thread's events from `next` on; earlier ones are dropped. */
  follow(threadId: string, next: number): void {
    const stream = this.streams.get(threadId);
    if (stream) stream.next = Math.max(stream.next, next);
    else this.streams.set(threadId, { next, waiting: new Map(), filling: false });
  }

  isFollowing(threadId: string): boolean {
    return this.streams.has(threadId);
  }

  offer(event: AgentEvent): void {
    const stream = this.streams.get(event.thread_id);
    if (!stream) {
      this.send(event);
      return;
    }
    if (event.seq < stream.next || stream.waiting.has(event.seq)) return;
    stream.waiting.set(event.seq, event);
    this.flush(stream);
    if (stream.waiting.size > 0) this.scheduleFill(event.thread_id, stream);
  }

  close(): void {
    for (const stream of this.streams.values()) clearTimeout(stream.timer);
    this.streams.clear();
  }

  private flush(stream: ThreadStream): void {
    for (let event = stream.waiting.get(stream.next); event; event = stream.waiting.get(stream.next)) {
      stream.waiting.delete(stream.next);
      stream.next++;
      this.send(event);
    }
    if (stream.waiting.size === 0) {
      clearTimeout(stream.timer);
      stream.timer = undefined;
    }
  }

  private scheduleFill(threadId: string, stream: ThreadStream): void {
    if (stream.timer || stream.filling) return;
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      void this.fill(threadId, stream);
    }, this.gapWaitMs);
  }

  private async fill(threadId: string, stream: ThreadStream): Promise<void> {
    stream.filling = true;
    try {
      const stored = await this.readLog(threadId, stream.next - 1);
      for (const event of stored) {
        if (event.seq < stream.next) continue;
        // The log has no event with the expected number: nothing will ever fill that gap.
        if (event.seq > stream.next && !stream.waiting.has(stream.next)) stream.next = event.seq;
        if (!stream.waiting.has(event.seq)) stream.waiting.set(event.seq, event);
        this.flush(stream);
      }
      for (const seq of stream.waiting.keys()) if (seq < stream.next) stream.waiting.delete(seq);
    } catch {
      // The log is unreachable for now: try again while something is still waiting.
    } finally {
      stream.filling = false;
    }
    if (stream.waiting.size > 0 && this.streams.get(threadId) === stream) this.scheduleFill(threadId, stream);
  }
}
