/**
 * The client actions the model-based checks interleave, as fast-check commands: each resolves
 * its target (connection, thread, run) from the model, asks the model for the answer AEP/1
 * demands, does it for real, and holds the answer and every event against the model.
 */
import fc from 'fast-check';
import type { AepModel, ModelConnection, ModelRun, ModelThread, ThreadChoice } from './model.js';
import { ANSWER_TIMEOUT_MS, type LiveConnection, ModelViolation, type RunSpec, type World } from './world.js';

type Command = fc.AsyncCommand<AepModel, World>;

/** Connections open at once in one sequence. */
const MAX_OPEN = 6;
/** A held run pauses this long between events: it stays in flight until cancelled. */
const HELD_DELAY_MS = 10_000;
/** Runs started in a burst last long enough for the whole burst to be read while they run. */
const BURST_DELAY_MS = 150;
const CANCEL_DEADLINE_MS = 2000;
const UNKNOWN_THREAD = 't_model_unknown';
const UNKNOWN_RUN = 'r_model_unknown';

const RATE_LIMITED = { kind: 'error', code: 'rate_limited' } as const;

/** At the limit, a message to a foreign thread may be refused for either reason: AEP/1 sets no order. */
function atLimit(model: AepModel, user: number): typeof RATE_LIMITED | undefined {
  return model.inFlight(user) >= model.maxInFlight ? RATE_LIMITED : undefined;
}

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

function connectionOf(model: AepModel, n: number): ModelConnection | undefined {
  return pick(model.openConnections(), n);
}

type ThreadTarget = 'new' | 'own' | 'foreign' | 'unknown';

function threadChoice(
  model: AepModel,
  user: number,
  target: ThreadTarget,
  n: number,
): ThreadChoice | undefined {
  switch (target) {
    case 'new':
      return { kind: 'new' };
    case 'unknown':
      return { kind: 'unknown' };
    case 'own': {
      const thread = pick(model.threadsOf(user), n);
      return thread && { kind: 'own', thread };
    }
    case 'foreign': {
      const thread = pick(model.threadsNotOf(user), n);
      return thread && { kind: 'foreign', thread };
    }
  }
}

/**
 * The thread a command aims at; when the model has none of the kind asked for, an own thread
 * becomes a new one and a foreign one an unknown one, so every generated action does something.
 */
function resolveThread(model: AepModel, user: number, target: ThreadTarget, n: number): ThreadChoice {
  return threadChoice(model, user, target, n) ?? (target === 'own' ? { kind: 'new' } : { kind: 'unknown' });
}

function threadIdOf(world: World, choice: ThreadChoice): string | undefined {
  if (choice.kind === 'new') return undefined;
  if (choice.kind === 'unknown') return UNKNOWN_THREAD;
  return world.threadIds.get(choice.thread.key);
}

/** What a command did, in the model's names: connection, its user, the thread it aimed at. */
function describeResolved(connection: ModelConnection, choice: ThreadChoice): string {
  const thread = choice.kind === 'own' || choice.kind === 'foreign' ? ` t${choice.thread.key}` : '';
  return `c${connection.key} (u${connection.user}) → ${choice.kind} thread${thread}`;
}

function describeChoice(choice: ThreadTarget, n: number): string {
  return choice === 'own' || choice === 'foreign' ? `${choice} thread #${n}` : `${choice} thread`;
}

export interface QuickRun {
  kind: 'quick';
  tools: number;
  chunks: number;
  failTool?: number;
  delayMs: number;
}
export type RunShape = QuickRun | { kind: 'held' };

function scenarioOf(shape: RunShape): Record<string, unknown> {
  if (shape.kind === 'held') return { tools: 0, stream_chunks: 3, thinking: false, delay_ms: HELD_DELAY_MS };
  return {
    tools: shape.tools,
    stream_chunks: shape.chunks,
    thinking: false,
    delay_ms: shape.delayMs,
    ...(shape.failTool ? { fail_tool: shape.failTool } : {}),
  };
}

function describeShape(shape: RunShape): string {
  if (shape.kind === 'held') return 'held run';
  return `quick run (tools ${shape.tools}${shape.failTool ? `, fail_tool ${shape.failTool}` : ''}, chunks ${shape.chunks})`;
}

/** Waits until every open connection subscribed to the thread has seen the run's end (R-4.2). */
async function awaitEverywhere(world: World, thread: ModelThread, runId: string): Promise<void> {
  for (const subscriber of world.model.subscribers(thread)) {
    await world.awaitRunEnd(world.liveOf(subscriber), runId);
  }
}

async function awaitStartEverywhere(world: World, thread: ModelThread, runId: string): Promise<void> {
  for (const subscriber of world.model.subscribers(thread)) {
    const live = world.liveOf(subscriber);
    await live.connection
      .waitFor(
        (f) => f.type === 'agent_started' && f.run_id === runId,
        ANSWER_TIMEOUT_MS,
        `${runId} starting`,
      )
      .catch(() => {
        world.observe();
        throw new ModelViolation(`${live.label} never received agent_started of ${runId}`, 'R-4.2', []);
      });
  }
  world.observe();
}

/** Accepts a run the model predicted: registers thread and run, subscribes the sender. */
function adoptRun(
  world: World,
  live: LiveConnection,
  choice: ThreadChoice,
  answer: Record<string, unknown>,
  shape: RunShape,
  inputId: string,
  /** The sender must see the thread's very next seq (no other run of the thread can interleave). */
  exact: boolean,
): { thread: ModelThread; run: ModelRun; runId: string } {
  const { model } = world;
  if (typeof answer.thread_id !== 'string' || typeof answer.run_id !== 'string')
    throw new ModelViolation(`${live.label}: the ack names no thread_id and run_id`, 'R-4.1', [answer]);
  if (choice.kind === 'own' && answer.thread_id !== world.threadIds.get(choice.thread.key))
    throw new ModelViolation(`${live.label}: the ack moved the message to another thread`, 'R-4.1', [answer]);
  const thread = choice.kind === 'own' ? choice.thread : model.addThread(live.model.user);
  world.registerThread(thread, answer.thread_id, answer);
  const run = model.addRun(thread, shape.kind);
  const spec: RunSpec =
    shape.kind === 'held'
      ? { inputId, tools: 0, chunks: 3 }
      : {
          inputId,
          tools: shape.tools,
          chunks: shape.chunks,
          status: 'ok',
          ...(shape.failTool ? { failTool: shape.failTool } : {}),
        };
  world.registerRun(run, answer.run_id, spec, answer);
  world.watch(live, thread, exact ? thread.lastSeq + 1 : undefined);
  return { thread, run, runId: answer.run_id };
}

export class ConnectCommand implements Command {
  constructor(readonly user: number) {}
  check(model: AepModel): boolean {
    return model.openConnections().length < MAX_OPEN;
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = model.addConnection(this.user);
    world.act(`connect(u${this.user} as c${connection.key})`);
    await world.open(connection);
  }
  toString(): string {
    return `connect(u${this.user})`;
  }
}

export type Departure = 'close' | 'drop' | 'oversized' | 'binary';

export class DisconnectCommand implements Command {
  constructor(
    readonly connection: number,
    readonly how: Departure,
  ) {}
  check(model: AepModel): boolean {
    return model.openConnections().length > 0;
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = connectionOf(model, this.connection)!;
    world.act(`${this.how}(c${connection.key})`);
    const live = world.liveOf(connection);
    world.observe();
    if (this.how === 'close') await live.connection.close();
    else if (this.how === 'drop') live.connection.drop();
    else {
      const limit = world.context.target.limits.max_frame_bytes;
      const [expected, rule] = this.how === 'oversized' ? [1009, 'R-1.3'] : [1003, 'R-1.4'];
      if (this.how === 'oversized')
        live.connection.sendRaw(`{"type":"ping","id":"big","pad":"${'x'.repeat(limit + 16)}"}`, {
          note: `<ping of ${limit + 40} bytes>`,
        });
      else
        live.connection.sendRaw(Buffer.from('{"type":"ping","id":"bin"}'), {
          binary: true,
          note: '<binary ping>',
        });
      const close = await live.connection.waitForClose(ANSWER_TIMEOUT_MS).catch(() => undefined);
      if (close?.code !== expected)
        throw new ModelViolation(
          `${live.label}: a ${this.how} frame ${close ? `closed it with ${close.code}` : 'left it open'}, expected close ${expected}`,
          rule,
          [],
        );
    }
    world.observe();
    model.closeConnection(connection);
    world.live.delete(connection.key);
  }
  toString(): string {
    return `${this.how}(conn #${this.connection})`;
  }
}

export class MessageCommand implements Command {
  constructor(
    readonly connection: number,
    readonly target: ThreadTarget,
    readonly thread: number,
    readonly shape: RunShape,
  ) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = connectionOf(model, this.connection)!;
    const choice = resolveThread(model, connection.user, this.target, this.thread);
    world.act(`message(${describeResolved(connection, choice)}, ${describeShape(this.shape)})`);
    const live = world.liveOf(connection);
    world.observe();
    const prediction = model.predictMessage(connection.user, choice);
    const threadId = threadIdOf(world, choice);
    const id = world.send(live, {
      type: 'user_message',
      text: `model-based message from u${connection.user}`,
      ...(threadId ? { thread_id: threadId } : {}),
      scenario: scenarioOf(this.shape),
    });
    const answer = await world.answerTo(live, id);
    const rule =
      prediction.kind === 'error'
        ? prediction.code === 'rate_limited'
          ? 'R-5.8'
          : 'R-4.1'
        : answer.code === 'rate_limited'
          ? 'R-5.8'
          : 'R-4.1';
    world.expectAnswer(
      live,
      answer,
      prediction,
      `user_message to a ${describeChoice(this.target, this.thread)}`,
      rule,
      atLimit(model, connection.user),
    );
    if (prediction.kind !== 'ack') {
      world.observe();
      return;
    }
    const { thread, run, runId } = adoptRun(world, live, choice, answer, this.shape, id, true);
    if (this.shape.kind === 'held') {
      await awaitStartEverywhere(world, thread, runId);
      return;
    }
    await awaitEverywhere(world, thread, runId);
    run.state = 'finished';
  }
  toString(): string {
    return `message(conn #${this.connection} → ${describeChoice(this.target, this.thread)}, ${describeShape(this.shape)})`;
  }
}

export type ResumePoint = 'zero' | 'middle' | 'last' | 'beyond';

/** Resumes an own thread and checks the replay: exactly the events after after_seq, then the ack. */
async function resumeOwn(
  world: World,
  live: LiveConnection,
  thread: ModelThread,
  afterSeq: number,
): Promise<void> {
  world.observe();
  const last = thread.lastSeq;
  const expected = Array.from({ length: Math.max(0, last - afterSeq) }, (_, i) => afterSeq + 1 + i);
  const before = live.connection.received.length;
  const threadId = world.threadIds.get(thread.key)!;
  // The replay may show runs this connection saw already: their tracking starts over.
  for (const [runId, seen] of live.runs) if (seen.events[0]?.thread_id === threadId) live.runs.delete(runId);
  world.model.subscribe(live.model, thread);
  live.watches.set(thread.key, { next: expected[0] ?? last + 1, min: 0 });
  const id = world.send(live, { type: 'resume', thread_id: threadId, after_seq: afterSeq });
  const answer = await world.answerTo(live, id);
  world.expectAnswer(live, answer, { kind: 'ack' }, `resume of an own thread after seq ${afterSeq}`, 'R-4.2');
  const ackAt = live.connection.received.findIndex((f) => f.json === answer);
  const replayed = live.connection.received
    .slice(before, ackAt)
    .filter((f) => f.json?.thread_id === threadId)
    .map((f) => f.json!.seq);
  world.observe();
  if (JSON.stringify(replayed) !== JSON.stringify(expected))
    throw new ModelViolation(
      `${live.label}: resume after seq ${afterSeq} replayed seqs ${JSON.stringify(replayed)} before its ack, the thread’s stored events after it are ${JSON.stringify(expected)}`,
      'R-4.2',
      [answer],
    );
  if (answer.replayed !== expected.length)
    throw new ModelViolation(
      `${live.label}: ack.replayed is ${String(answer.replayed)}, ${expected.length} events were due`,
      'R-4.2',
      [answer],
    );
}

export class ResumeCommand implements Command {
  constructor(
    readonly connection: number,
    readonly target: Exclude<ThreadTarget, 'new'>,
    readonly thread: number,
    readonly point: ResumePoint,
  ) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = connectionOf(model, this.connection)!;
    const choice = threadChoice(model, connection.user, this.target, this.thread) ?? { kind: 'unknown' };
    world.act(`resume(${describeResolved(connection, choice)}, after ${this.point})`);
    const live = world.liveOf(connection);
    if (choice.kind === 'own') {
      const last = choice.thread.lastSeq;
      const after = { zero: 0, middle: Math.floor(last / 2), last, beyond: last + 5 }[this.point];
      await resumeOwn(world, live, choice.thread, after);
      return;
    }
    world.observe();
    const id = world.send(live, { type: 'resume', thread_id: threadIdOf(world, choice), after_seq: 0 });
    const answer = await world.answerTo(live, id);
    world.expectAnswer(
      live,
      answer,
      model.predictResume(choice),
      `resume of a ${choice.kind} thread`,
      'R-4.3',
    );
    world.observe();
  }
  toString(): string {
    return `resume(conn #${this.connection} → ${describeChoice(this.target, this.thread)}, after ${this.point})`;
  }
}

export type CancelTarget = 'own-held' | 'own-finished' | 'foreign-held' | 'unknown';

function cancelCandidates(model: AepModel, user: number, target: CancelTarget): ModelRun[] {
  switch (target) {
    case 'own-held':
      return model.runs.filter((run) => run.owner === user && run.state === 'held');
    case 'own-finished':
      return model.runs.filter((run) => run.owner === user && run.state === 'finished');
    case 'foreign-held':
      return model.runs.filter((run) => run.owner !== user && run.state === 'held');
    case 'unknown':
      return [];
  }
}

/** Cancels the owner's held run and watches it end cancelled within 2 s on every subscriber. */
export async function cancelHeld(world: World, live: LiveConnection, run: ModelRun): Promise<void> {
  const { model } = world;
  const runId = world.runIds.get(run.key)!;
  const thread = model.threads[run.thread]!;
  // Someone must see the end: when no connection of the owner follows the thread, this one resumes it.
  if (model.subscribers(thread).length === 0) await resumeOwn(world, live, thread, thread.lastSeq);
  world.observe();
  const sentAt = Date.now();
  const id = world.send(live, { type: 'cancel', run_id: runId });
  world.specs.get(runId)!.status = 'cancelled';
  const answer = await world.answerTo(live, id);
  world.expectAnswer(live, answer, { kind: 'ack' }, 'cancel of an own running run', 'R-5.7');
  for (const subscriber of model.subscribers(thread)) {
    await world.awaitRunEnd(world.liveOf(subscriber), runId, CANCEL_DEADLINE_MS + 1000, 'R-5.7');
  }
  const elapsed = Date.now() - sentAt;
  if (elapsed > CANCEL_DEADLINE_MS + 500)
    throw new ModelViolation(
      `run ${runId} ended ${elapsed} ms after its cancel (limit ${CANCEL_DEADLINE_MS} ms)`,
      'R-5.7',
      [answer],
    );
  run.state = 'finished';
}

export class CancelCommand implements Command {
  constructor(
    readonly connection: number,
    readonly target: CancelTarget,
    readonly runPick: number,
  ) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = connectionOf(model, this.connection)!;
    const live = world.liveOf(connection);
    const run = pick(cancelCandidates(model, connection.user, this.target), this.runPick);
    const target = run ? this.target : 'unknown';
    world.act(`cancel(c${connection.key} (u${connection.user}) → ${target} run${run ? ` r${run.key}` : ''})`);
    const prediction = model.predictCancel(connection.user, run);
    if (run && prediction.kind === 'ack') {
      await cancelHeld(world, live, run);
      return;
    }
    world.observe();
    const id = world.send(live, { type: 'cancel', run_id: run ? world.runIds.get(run.key)! : UNKNOWN_RUN });
    const answer = await world.answerTo(live, id);
    world.expectAnswer(live, answer, prediction, `cancel of ${target.replace('-', ' ')} run`, 'R-5.7');
    world.observe();
  }
  toString(): string {
    return `cancel(conn #${this.connection} → ${this.target} run)`;
  }
}

export class PingCommand implements Command {
  constructor(readonly connection: number) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const live = world.liveOf(connectionOf(model, this.connection)!);
    world.act(`ping(${live.label})`);
    world.observe();
    const answer = await world.request(live, { type: 'ping' });
    world.expectAnswer(live, answer, { kind: 'pong' }, 'ping', '§4');
    world.observe();
  }
  toString(): string {
    return `ping(conn #${this.connection})`;
  }
}

export const MALFORMED = [
  'not-json',
  'no-type',
  'unknown-type',
  'no-text',
  'bad-after-seq',
  'no-run-id',
] as const;
export type Malformed = (typeof MALFORMED)[number];

function malformedFrame(kind: Malformed, ownThread: string | undefined): Record<string, unknown> {
  switch (kind) {
    case 'no-type':
      return { text: 'no type' };
    case 'unknown-type':
      return { type: 'teleport' };
    case 'no-text':
      return { type: 'user_message', ...(ownThread ? { thread_id: ownThread } : {}) };
    case 'bad-after-seq':
      return { type: 'resume', thread_id: ownThread ?? UNKNOWN_THREAD, after_seq: 'zero' };
    default:
      return { type: 'cancel' };
  }
}

export class MalformedCommand implements Command {
  constructor(
    readonly connection: number,
    readonly kind: Malformed,
  ) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const connection = connectionOf(model, this.connection)!;
    const live = world.liveOf(connection);
    world.act(`malformed(${live.label}, ${this.kind})`);
    world.observe();
    const own = model.threadsOf(connection.user)[0];
    let answer: Record<string, unknown>;
    if (this.kind === 'not-json') {
      const before = live.connection.received.length;
      live.idlessErrorsAllowed++;
      live.connection.sendRaw('{"type":"user_message",');
      answer = await live.connection
        .waitForFrame(
          (f) =>
            live.connection.received.indexOf(f) >= before && f.json?.type !== undefined && !('seq' in f.json),
          ANSWER_TIMEOUT_MS,
          'an answer',
        )
        .then((f) => f.json!)
        .catch(() => {
          throw new ModelViolation(`${live.label}: a frame that is not JSON got no answer`, 'R-6.1', []);
        });
    } else {
      answer = await world.request(live, malformedFrame(this.kind, own && world.threadIds.get(own.key)));
    }
    world.expectAnswer(live, answer, { kind: 'error', code: 'bad_request' }, `a ${this.kind} frame`, 'R-6.1');
    world.observe();
    if (!live.connection.isOpen)
      throw new ModelViolation(
        `${live.label} was closed after a ${this.kind} frame; it must stay open`,
        'R-6.1',
        [answer],
      );
  }
  toString(): string {
    return `malformed(conn #${this.connection}, ${this.kind})`;
  }
}

export type BurstItem = {
  on: number;
  kind: 'ping' | 'new' | 'own' | 'foreign' | 'cancel-unknown' | 'unknown-type';
};

/** Several frames from one user's connections sent at once, answers awaited only afterwards. */
export class BurstCommand implements Command {
  constructor(
    readonly connection: number,
    readonly items: readonly BurstItem[],
    readonly thread: number,
  ) {}
  check(model: AepModel): boolean {
    return !!connectionOf(model, this.connection);
  }
  async run(model: AepModel, world: World): Promise<void> {
    const user = connectionOf(model, this.connection)!.user;
    const mine = model.openConnections(user);
    world.act(
      `burst(u${user}: ${this.items.map((item) => `${item.kind}@c${mine[item.on % mine.length]!.key}`).join(' ')})`,
    );
    const own = pick(model.threadsOf(user), this.thread);
    const foreign = pick(model.threadsNotOf(user), this.thread);
    const shape: QuickRun = { kind: 'quick', tools: 0, chunks: 1, delayMs: BURST_DELAY_MS };
    world.observe();
    const slots = Math.max(0, model.maxInFlight - model.inFlight(user));
    const sent = this.items.map((item) => {
      const live = world.liveOf(mine[item.on % mine.length]!);
      const choice: ThreadChoice | undefined =
        item.kind === 'new' || (item.kind === 'own' && !own)
          ? { kind: 'new' }
          : item.kind === 'own'
            ? { kind: 'own', thread: own! }
            : item.kind === 'foreign'
              ? foreign
                ? { kind: 'foreign', thread: foreign }
                : { kind: 'unknown' }
              : undefined;
      const frame: Record<string, unknown> =
        item.kind === 'ping'
          ? { type: 'ping' }
          : item.kind === 'cancel-unknown'
            ? { type: 'cancel', run_id: UNKNOWN_RUN }
            : item.kind === 'unknown-type'
              ? { type: 'teleport' }
              : {
                  type: 'user_message',
                  text: `burst message from u${user}`,
                  ...(choice && threadIdOf(world, choice) ? { thread_id: threadIdOf(world, choice) } : {}),
                  scenario: scenarioOf(shape),
                };
      return { item, live, choice, id: world.send(live, frame) };
    });
    const answers = await Promise.all(sent.map(({ live, id }) => world.answerTo(live, id)));
    const messages = sent.flatMap((entry, index) =>
      entry.choice && entry.choice.kind !== 'foreign' && entry.choice.kind !== 'unknown'
        ? [{ ...entry, answer: answers[index]! }]
        : [],
    );
    sent.forEach(({ item, live, choice }, index) => {
      const answer = answers[index]!;
      if (item.kind === 'ping') world.expectAnswer(live, answer, { kind: 'pong' }, 'ping in a burst', '§4');
      if (item.kind === 'cancel-unknown')
        world.expectAnswer(
          live,
          answer,
          { kind: 'error', code: 'not_found' },
          'cancel of an unknown run in a burst',
          'R-5.7',
        );
      if (item.kind === 'unknown-type')
        world.expectAnswer(
          live,
          answer,
          { kind: 'error', code: 'bad_request' },
          'an unknown type in a burst',
          'R-6.1',
        );
      if (choice && (choice.kind === 'foreign' || choice.kind === 'unknown'))
        world.expectAnswer(
          live,
          answer,
          { kind: 'error', code: 'not_found' },
          `user_message to a ${choice.kind} thread in a burst`,
          'R-4.1',
          slots === 0 ? RATE_LIMITED : undefined,
        );
    });
    const acked = messages.filter(({ answer }) => answer.type === 'ack');
    const odd = messages.find(
      ({ answer }) => answer.type !== 'ack' && !(answer.type === 'error' && answer.code === 'rate_limited'),
    );
    if (odd)
      throw new ModelViolation(
        `${odd.live.label}: a burst message was answered ${String(odd.answer.type)} ${String(odd.answer.code ?? '')}`,
        'R-5.8',
        [odd.answer],
      );
    const due = Math.min(messages.length, slots);
    if (acked.length !== due)
      throw new ModelViolation(
        `${messages.length} messages sent at once with ${slots} of ${model.maxInFlight} in-flight slots free: ${acked.length} acked, ${due} due`,
        'R-5.8',
        messages.map(({ answer }) => answer),
      );
    const oneConnection = new Set(messages.map(({ live }) => live)).size === 1;
    if (oneConnection && messages.slice(0, due).some(({ answer }) => answer.type !== 'ack'))
      throw new ModelViolation(
        'on one connection the first messages within the limit must be the ones acked',
        'R-5.8',
        messages.map(({ answer }) => answer),
      );
    const started = acked.map(({ live, choice, answer, id }) => ({
      ...adoptRun(world, live, choice!, answer, shape, id, choice!.kind === 'new'),
      live,
    }));
    for (const { thread, runId, run } of started) {
      await awaitEverywhere(world, thread, runId);
      run.state = 'finished';
    }
    world.observe();
  }
  toString(): string {
    return `burst(conn #${this.connection}: ${this.items.map((item) => item.kind).join(' ')})`;
  }
}

/** Ends a sequence: every held run is cancelled by its owner and seen to end, stray frames checked. */
export async function settle(model: AepModel, world: World): Promise<void> {
  for (const run of model.runs.filter((r) => r.state === 'held')) {
    const connection = model.openConnections(run.owner)[0] ?? model.addConnection(run.owner);
    const live = world.live.get(connection.key) ?? (await world.open(connection));
    world.act(`end of sequence: c${connection.key} cancels held run r${run.key}`);
    await cancelHeld(world, live, run);
  }
  await new Promise((resolve) => setTimeout(resolve, 30));
  world.observe();
}

const quickRun: fc.Arbitrary<RunShape> = fc
  .record({
    tools: fc.integer({ min: 0, max: 2 }),
    chunks: fc.integer({ min: 1, max: 2 }),
    failTool: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
    delayMs: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ tools, chunks, failTool, delayMs }) => ({
    kind: 'quick' as const,
    tools,
    chunks,
    delayMs,
    ...(failTool !== undefined && failTool <= tools ? { failTool } : {}),
  }));
const runShape: fc.Arbitrary<RunShape> = fc.oneof(
  { arbitrary: quickRun, weight: 3 },
  { arbitrary: fc.constant({ kind: 'held' as const }), weight: 2 },
);
const conn = fc.nat({ max: 11 });
const slot = fc.nat({ max: 11 });

/** The commands every model-based sequence draws from: each action a polite client takes. */
export function politeCommands(users: number): fc.Arbitrary<Command>[] {
  const connect = fc.nat({ max: users - 1 }).map((user) => new ConnectCommand(user));
  const disconnect = fc
    .tuple(conn, fc.constantFrom<Departure>('close', 'drop', 'oversized', 'binary'))
    .map(([c, how]) => new DisconnectCommand(c, how));
  const message = fc
    .tuple(
      conn,
      fc.constantFrom<ThreadTarget>('new', 'new', 'own', 'own', 'foreign', 'unknown'),
      slot,
      runShape,
    )
    .map(([c, target, t, shape]) => new MessageCommand(c, target, t, shape));
  const resume = fc
    .tuple(
      conn,
      fc.constantFrom<'own' | 'foreign' | 'unknown'>('own', 'own', 'own', 'foreign', 'unknown'),
      slot,
      fc.constantFrom<ResumePoint>('zero', 'middle', 'last', 'beyond'),
    )
    .map(([c, target, t, point]) => new ResumeCommand(c, target, t, point));
  const cancel = fc
    .tuple(
      conn,
      fc.constantFrom<CancelTarget>('own-held', 'own-held', 'own-finished', 'foreign-held', 'unknown'),
      slot,
    )
    .map(([c, target, r]) => new CancelCommand(c, target, r));
  const ping = conn.map((c) => new PingCommand(c));
  const malformed = fc
    .tuple(conn, fc.constantFrom(...MALFORMED))
    .map(([c, kind]) => new MalformedCommand(c, kind));
  // fc.commands picks each entry alike: repeating one makes it that much likelier.
  return [
    connect,
    disconnect,
    message,
    message,
    message,
    message,
    resume,
    resume,
    cancel,
    cancel,
    ping,
    malformed,
  ];
}

const burstItem: fc.Arbitrary<BurstItem> = fc.record({
  on: fc.nat({ max: 1 }),
  kind: fc.constantFrom<BurstItem['kind']>(
    'new',
    'new',
    'own',
    'own',
    'ping',
    'foreign',
    'cancel-unknown',
    'unknown-type',
  ),
});

/** The polite actions plus bursts: frames from several connections of a user, sent without waiting. */
export function burstCommands(users: number): fc.Arbitrary<Command>[] {
  const burst = fc
    .tuple(conn, fc.array(burstItem, { minLength: 2, maxLength: 7 }), slot)
    .map(([c, items, t]) => new BurstCommand(c, items, t));
  // Listed twice: bursts are drawn twice as often as any one polite action.
  return [...politeCommands(users), burst, burst];
}
