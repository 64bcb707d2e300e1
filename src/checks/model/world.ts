/**
 * The live side of the model-based checks: real connections to the target, and the observer that
 * holds every frame they receive against the model — each answer matched to the frame it
 * answers, each event checked for its schema, owner, subscription, seq, run framing and content.
 * A breach throws ModelViolation, pointing at the frames that show it.
 */
import { AepConnection, type ReceivedFrame, Transcript } from '../../client/index.js';
import { describeIssues, EVENT_TYPES, eventSchema } from '../../protocol/index.js';
import type { CheckContext } from '../check.js';
import { runFramingViolations, toolPairingViolations } from '../stream-rules.js';
import type { AepModel, ModelConnection, ModelRun, ModelThread, Prediction } from './model.js';

export const ANSWER_TIMEOUT_MS = 3000;
export const RUN_TIMEOUT_MS = 6000;

export class ModelViolation extends Error {
  constructor(
    message: string,
    readonly rule: string,
    readonly frames: readonly unknown[] = [],
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModelViolation';
  }
}

type Frame = Record<string, unknown>;

/** What a run was asked to do, so its events can be held against it. */
export interface RunSpec {
  inputId: string;
  tools: number;
  chunks: number;
  failTool?: number;
  /** The status its agent_completed must carry; undefined while it is held. */
  status?: 'ok' | 'cancelled';
}

interface Watch {
  /** The seq the next event of the thread must carry on this connection, once known. */
  next?: number;
  /** The least seq the first event may carry (the thread's last known seq + 1 when subscribed). */
  min: number;
  lastTs?: string;
}

export interface LiveConnection {
  model: ModelConnection;
  connection: AepConnection;
  label: string;
  scanned: number;
  watches: Map<number, Watch>;
  /** Events per run seen here, and whether this connection saw the run from agent_started. */
  runs: Map<string, { events: Frame[]; whole: boolean; done: boolean }>;
  /** Ids sent that await exactly one answer; answered ids. */
  pending: Set<string>;
  answered: Set<string>;
  /** error frames without id that malformed frames without id may draw. */
  idlessErrorsAllowed: number;
}

export class World {
  readonly transcript = new Transcript();
  readonly live = new Map<number, LiveConnection>();
  readonly threadIds = new Map<number, string>();
  readonly threadKeys = new Map<string, number>();
  readonly runIds = new Map<number, string>();
  readonly runKeys = new Map<string, number>();
  readonly specs = new Map<string, RunSpec>();
  /** The first event seen for each (thread, seq): every connection must see the same one. */
  private readonly log = new Map<string, string>();
  /** What this sequence did, in the model's names: the readable form of a failing sequence. */
  readonly actions: string[] = [];
  private sent = 0;

  constructor(
    readonly context: CheckContext,
    readonly model: AepModel,
    readonly users: readonly string[],
  ) {}

  act(description: string): void {
    this.actions.push(description);
    this.transcript.note(description);
  }

  userName(user: number): string {
    return `u${user}`;
  }

  nextId(live: LiveConnection): string {
    return `${live.label}-m${++this.sent}`;
  }

  liveOf(connection: ModelConnection): LiveConnection {
    const live = this.live.get(connection.key);
    if (!live) throw new Error(`no live connection for c${connection.key}`);
    return live;
  }

  async open(connection: ModelConnection): Promise<LiveConnection> {
    const label = `c${connection.key}`;
    const user = this.users[connection.user]!;
    const token = await this.context.tokens.valid(user);
    this.transcript.labelUser(label, user);
    const opened = await AepConnection.open({
      url: this.context.target.wsUrl,
      token,
      label,
      ...(this.context.target.transport?.headers ? { headers: this.context.target.transport.headers } : {}),
      ...(this.context.target.transport?.tls ? { tls: this.context.target.transport.tls } : {}),
      transcript: this.transcript,
      ...(this.context.target.allowedOrigin ? { origin: this.context.target.allowedOrigin } : {}),
    });
    const live: LiveConnection = {
      model: connection,
      connection: opened,
      label,
      scanned: 0,
      watches: new Map(),
      runs: new Map(),
      pending: new Set(),
      answered: new Set(),
      idlessErrorsAllowed: 0,
    };
    this.live.set(connection.key, live);
    const ready = await opened.ready().catch(() => undefined);
    if (ready?.type !== 'ready' || ready.user_id !== user) {
      throw new ModelViolation(
        `${label} was not greeted by ready for ${this.userName(connection.user)}`,
        'R-3.1',
        [opened.received[0]?.json],
      );
    }
    live.scanned = 1;
    return live;
  }

  /** Sends a frame with a fresh id and waits for its answer. */
  async request(live: LiveConnection, frame: Frame): Promise<Frame> {
    const id = this.send(live, frame);
    return this.answerTo(live, id);
  }

  send(live: LiveConnection, frame: Frame): string {
    const id = typeof frame.id === 'string' ? frame.id : this.nextId(live);
    live.pending.add(id);
    live.connection.send({ ...frame, id });
    return id;
  }

  async answerTo(live: LiveConnection, id: string): Promise<Frame> {
    const answer = await live.connection
      .waitFor(
        (f) => f.id === id && (f.type === 'ack' || f.type === 'pong' || f.type === 'error'),
        ANSWER_TIMEOUT_MS,
        `the answer to ${id}`,
      )
      .catch(() => {
        throw new ModelViolation(`${live.label}: no answer to ${id} within ${ANSWER_TIMEOUT_MS} ms`, '§4', [
          live.connection.transcript.entries.findLast((e) => e.conn === live.label && e.dir === 'sent')
            ?.frame,
        ]);
      });
    return answer;
  }

  /** The answer must be the predicted one (type, code, id). */
  expectAnswer(
    live: LiveConnection,
    answer: Frame,
    prediction: Prediction,
    what: string,
    rule: string,
    /** Another answer AEP/1 allows as well. */
    also?: Prediction,
  ): void {
    const matches = (wanted: Prediction) =>
      wanted.kind === 'error'
        ? answer.type === 'error' && answer.code === wanted.code
        : answer.type === wanted.kind;
    if (!matches(prediction) && !(also && matches(also))) {
      const wanted = prediction.kind === 'error' ? `error ${prediction.code}` : prediction.kind;
      throw new ModelViolation(
        `${live.label}: ${what} was answered ${String(answer.type)}${answer.code ? ` ${String(answer.code)}` : ''}, the model expects ${wanted}`,
        rule,
        [answer],
        { expected: wanted },
      );
    }
  }

  registerThread(thread: ModelThread, id: string, answer: Frame): void {
    const known = this.threadKeys.get(id);
    if (known !== undefined && known !== thread.key) {
      throw new ModelViolation(`a new thread was given the id ${id} of an existing thread`, 'R-4.1', [
        answer,
      ]);
    }
    this.threadIds.set(thread.key, id);
    this.threadKeys.set(id, thread.key);
  }

  registerRun(run: ModelRun, id: string, spec: RunSpec, answer: Frame): void {
    if (this.runKeys.has(id))
      throw new ModelViolation(`run_id ${id} was given to two runs`, 'R-4.1', [answer]);
    this.runIds.set(run.key, id);
    this.runKeys.set(id, run.key);
    this.specs.set(id, spec);
  }

  /** Subscribes in the model and starts watching the thread's seq on that connection. */
  watch(live: LiveConnection, thread: ModelThread, next?: number): void {
    this.model.subscribe(live.model, thread);
    const existing = live.watches.get(thread.key);
    if (existing && next === undefined) return;
    live.watches.set(thread.key, {
      ...(next === undefined ? {} : { next }),
      min: thread.lastSeq + 1,
      ...(existing?.lastTs ? { lastTs: existing.lastTs } : {}),
    });
  }

  /** Waits until `live` has seen the end of run `runId`, then checks everything received. */
  async awaitRunEnd(
    live: LiveConnection,
    runId: string,
    timeoutMs = RUN_TIMEOUT_MS,
    rule = 'R-5.2',
  ): Promise<Frame> {
    const completed = await live.connection
      .waitFor((f) => f.type === 'agent_completed' && f.run_id === runId, timeoutMs, `the end of ${runId}`)
      .catch(() => {
        this.observe();
        throw new ModelViolation(
          `${live.label}: run ${runId} did not end within ${timeoutMs} ms`,
          rule,
          live.connection
            .events()
            .filter((e) => e.run_id === runId)
            .slice(-2),
        );
      });
    this.observe();
    return completed;
  }

  /** Holds every frame received since the last look against the model. */
  observe(): void {
    for (const live of this.live.values()) {
      const frames = live.connection.received;
      while (live.scanned < frames.length) this.check(live, frames[live.scanned++]!);
    }
  }

  private check(live: LiveConnection, received: ReceivedFrame): void {
    const frame = received.json;
    if (!frame) {
      throw new ModelViolation(`${live.label} received a frame that is not a JSON object`, 'R-1.2', [
        received.raw,
      ]);
    }
    if ('seq' in frame || (EVENT_TYPES as readonly unknown[]).includes(frame.type)) {
      this.checkEvent(live, frame);
      return;
    }
    if (frame.type === 'ack' || frame.type === 'pong' || frame.type === 'error') {
      const id = frame.id;
      if (typeof id !== 'string') {
        if (frame.type === 'error' && live.idlessErrorsAllowed > 0) {
          live.idlessErrorsAllowed--;
          return;
        }
        throw new ModelViolation(`${live.label} received ${frame.type} naming no id it was asked`, 'R-6.1', [
          frame,
        ]);
      }
      if (live.answered.has(id))
        throw new ModelViolation(`${live.label}: ${id} was answered twice`, '§4', [frame]);
      if (!live.pending.has(id))
        throw new ModelViolation(`${live.label}: an answer to ${id}, which it never sent`, '§4', [frame]);
      live.pending.delete(id);
      live.answered.add(id);
      return;
    }
    throw new ModelViolation(`${live.label} received an unexpected ${String(frame.type)} frame`, 'R-1.2', [
      frame,
    ]);
  }

  private checkEvent(live: LiveConnection, event: Frame): void {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      throw new ModelViolation(`${live.label}: malformed event: ${describeIssues(parsed.error)}`, 'R-1.2', [
        event,
      ]);
    }
    const threadId = event.thread_id as string;
    const runId = event.run_id as string;
    const seq = event.seq as number;
    const threadKey = this.threadKeys.get(threadId);
    const thread = threadKey === undefined ? undefined : this.model.threads[threadKey];
    if (!thread || thread.owner !== live.model.user) {
      throw new ModelViolation(
        `${live.label} (${this.userName(live.model.user)}) received an event of ${thread ? `${this.userName(thread.owner)}’s thread` : 'a thread it never took part in'}`,
        'R-5.6',
        [event],
      );
    }
    const runKey = this.runKeys.get(runId);
    if (runKey === undefined || this.model.runs[runKey]?.thread !== thread.key) {
      throw new ModelViolation(
        `${live.label}: event of run ${runId}, which is not a run of this thread`,
        'R-5.2',
        [event],
      );
    }
    const signature = JSON.stringify([event.type, runId, event.data, event.ts]);
    const logKey = `${threadId}#${seq}`;
    const first = this.log.get(logKey);
    if (first === undefined) this.log.set(logKey, signature);
    else if (first !== signature) {
      throw new ModelViolation(`two different events carry seq ${seq} of one thread`, 'R-5.1', [event], {
        first,
      });
    }
    thread.lastSeq = Math.max(thread.lastSeq, seq);

    const watch = live.watches.get(thread.key);
    if (!watch || !live.model.subscribed.has(thread.key)) return; // the owner's unsubscribed connection
    if (watch.next !== undefined ? seq !== watch.next : seq < watch.min) {
      const wanted = watch.next ?? `≥ ${watch.min}`;
      throw new ModelViolation(
        `${live.label}: seq ${seq} where the thread’s next is ${wanted} (${seq < (watch.next ?? watch.min) ? 'duplicate or out of order' : 'gap'})`,
        'R-5.1',
        [event],
      );
    }
    watch.next = seq + 1;
    if (watch.lastTs !== undefined && Date.parse(event.ts as string) < Date.parse(watch.lastTs)) {
      throw new ModelViolation(`${live.label}: ts went back within the thread`, 'R-5.5', [event]);
    }
    watch.lastTs = event.ts as string;

    const seen = live.runs.get(runId) ?? { events: [], whole: event.type === 'agent_started', done: false };
    live.runs.set(runId, seen);
    if (seen.done)
      throw new ModelViolation(`${live.label}: an event of run ${runId} after its agent_completed`, 'R-5.2', [
        event,
      ]);
    seen.events.push(event);
    if (event.type === 'agent_completed') {
      seen.done = true;
      this.checkCompletedRun(live, runId, seen.events, seen.whole);
    }
  }

  private checkCompletedRun(live: LiveConnection, runId: string, events: Frame[], whole: boolean): void {
    const run = this.model.runs[this.runKeys.get(runId)!]!;
    const spec = this.specs.get(runId)!;
    const completed = events.at(-1)!;
    const status = (completed.data as { status?: unknown }).status;
    if (spec.status === undefined) {
      throw new ModelViolation(
        `${live.label}: run ${runId} ended (${String(status)}) while it should still be running: nobody with the right to cancel it did`,
        run.state === 'held' ? 'R-5.7' : 'R-4.4',
        [completed],
      );
    }
    if (status !== spec.status) {
      throw new ModelViolation(
        `${live.label}: run ${runId} ended ${String(status)}, the model expects ${spec.status}`,
        'R-5.7',
        [completed],
      );
    }
    if (!whole) return;
    const stream = events as unknown as Parameters<typeof runFramingViolations>[0];
    const broken = [...runFramingViolations(stream), ...toolPairingViolations(stream)];
    if (broken.length > 0)
      throw new ModelViolation(`${live.label}: ${broken[0]}`, 'R-5.2', [events[0], completed]);
    const started = events[0]!.data as { input_id?: unknown };
    if (started.input_id !== spec.inputId) {
      throw new ModelViolation(
        `${live.label}: agent_started names input ${String(started.input_id)}, the message was ${spec.inputId}`,
        'R-5.2',
        [events[0]],
      );
    }
    if (spec.status !== 'ok') return;
    const count = (type: string) => events.filter((e) => e.type === type).length;
    const outcomes = events
      .filter((e) => e.type === 'tool_completed')
      .map((e) => (e.data as { ok?: unknown }).ok);
    const wanted = Array.from({ length: spec.tools }, (_, i) => spec.failTool !== i + 1);
    const mismatch =
      count('tool_executing') !== spec.tools
        ? `${count('tool_executing')} tool calls for tools ${spec.tools}`
        : count('agent_message') !== spec.chunks
          ? `${count('agent_message')} agent_message chunks for stream_chunks ${spec.chunks}`
          : count('agent_thinking') !== 0
            ? 'agent_thinking with thinking: false'
            : JSON.stringify(outcomes) !== JSON.stringify(wanted)
              ? `tool outcomes ${JSON.stringify(outcomes)} for fail_tool ${spec.failTool ?? 'none'}`
              : undefined;
    if (mismatch) throw new ModelViolation(`${live.label}: run ${runId}: ${mismatch}`, 'R-4.4', [completed]);
  }

  /** Drops every connection without ceremony (the end of one sequence). */
  dropAll(): void {
    for (const live of this.live.values()) live.connection.drop();
  }
}
