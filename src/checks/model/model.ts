/**
 * The reference model of AEP/1 that the model-based checks compare a server with: users, their
 * connections, threads and their owners, which connection is subscribed to which thread, the
 * last seq of each thread, runs and whether they are still in flight. It is pure bookkeeping and
 * prediction (which answer a frame must get); the live side lives in `world.ts`.
 */

export type UserKey = number;

export interface ModelConnection {
  key: number;
  user: UserKey;
  open: boolean;
  subscribed: Set<number>;
}

export interface ModelThread {
  key: number;
  owner: UserKey;
  /**
   * The highest seq seen. Every event is seen by someone: runs are awaited to their end, and a
   * cancel is watched to its agent_completed, so between commands this is the thread's last seq.
   */
  lastSeq: number;
}

/**
 * `quick` runs are awaited to their end by the command that starts them; `held` runs wait long
 * between events, so they stay in flight until their owner cancels them.
 */
export type RunState = 'quick' | 'held' | 'finished';

export interface ModelRun {
  key: number;
  thread: number;
  owner: UserKey;
  state: RunState;
}

/** The answer AEP/1 demands for a frame, given the model's state. */
export type Prediction =
  | { kind: 'ack' }
  | { kind: 'error'; code: 'not_found' | 'rate_limited' | 'bad_request' }
  | { kind: 'pong' };

export type ThreadChoice =
  | { kind: 'new' }
  | { kind: 'own'; thread: ModelThread }
  | { kind: 'foreign'; thread: ModelThread }
  | { kind: 'unknown' };

export class AepModel {
  readonly connections: ModelConnection[] = [];
  readonly threads: ModelThread[] = [];
  readonly runs: ModelRun[] = [];

  constructor(
    readonly users: number,
    readonly maxInFlight: number,
  ) {}

  openConnections(user?: UserKey): ModelConnection[] {
    return this.connections.filter((c) => c.open && (user === undefined || c.user === user));
  }

  addConnection(user: UserKey): ModelConnection {
    const connection = { key: this.connections.length, user, open: true, subscribed: new Set<number>() };
    this.connections.push(connection);
    return connection;
  }

  closeConnection(connection: ModelConnection): void {
    connection.open = false;
    connection.subscribed.clear();
  }

  threadsOf(user: UserKey): ModelThread[] {
    return this.threads.filter((thread) => thread.owner === user);
  }

  threadsNotOf(user: UserKey): ModelThread[] {
    return this.threads.filter((thread) => thread.owner !== user);
  }

  addThread(owner: UserKey): ModelThread {
    const thread = { key: this.threads.length, owner, lastSeq: 0 };
    this.threads.push(thread);
    return thread;
  }

  addRun(thread: ModelThread, state: RunState): ModelRun {
    const run = { key: this.runs.length, thread: thread.key, owner: thread.owner, state };
    this.runs.push(run);
    return run;
  }

  /** Runs counted against the user's in-flight limit. */
  inFlight(user: UserKey): number {
    return this.runs.filter((run) => run.owner === user && run.state !== 'finished').length;
  }

  /** the answer to a user_message. */
  predictMessage(user: UserKey, choice: ThreadChoice): Prediction {
    if (choice.kind === 'foreign' || choice.kind === 'unknown') return { kind: 'error', code: 'not_found' };
    if (this.inFlight(user) >= this.maxInFlight) return { kind: 'error', code: 'rate_limited' };
    return { kind: 'ack' };
  }

  /** the answer to a resume. */
  predictResume(choice: ThreadChoice): Prediction {
    return choice.kind === 'own' ? { kind: 'ack' } : { kind: 'error', code: 'not_found' };
  }

  /** only the owner's run still in flight can be cancelled. */
  predictCancel(user: UserKey, run: ModelRun | undefined): Prediction {
    return run && run.owner === user && run.state === 'held'
      ? { kind: 'ack' }
      : { kind: 'error', code: 'not_found' };
  }

  subscribe(connection: ModelConnection, thread: ModelThread): void {
    connection.subscribed.add(thread.key);
  }

  subscribers(thread: ModelThread): ModelConnection[] {
    return this.openConnections().filter((c) => c.subscribed.has(thread.key));
  }
}
