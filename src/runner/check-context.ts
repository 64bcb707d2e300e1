/**
 * Builds the context one check runs in, and tears down everything the check opened, whether it
 * passed, failed, crashed or timed out.
 */

import type {
  CheckContext,
  ConnectRequest,
  DisposableTarget,
  ScenarioSizing,
  TargetInfo,
  TokenFactory,
} from '../checks/index.js';
import { AepConnection, newUserId, Transcript } from '../client/index.js';

export interface ScopedContext {
  context: CheckContext;
  abort(): void;
  dispose(): Promise<void>;
}

/** Starts another instance of the target; `stop` ends it if the check did not drain it. */
export type DisposableTargetFactory = () => Promise<DisposableTarget & { stop(): Promise<void> }>;

export interface ContextSettings {
  eventDelayMs: number;
  sizing: ScenarioSizing;
  seed: number;
  disposableTarget?: DisposableTargetFactory;
}

export function createCheckContext(
  target: TargetInfo,
  tokens: TokenFactory,
  settings: ContextSettings,
): ScopedContext {
  const { eventDelayMs, sizing, seed } = settings;
  const disposables: Array<() => Promise<void>> = [];
  const transcript = new Transcript();
  const controller = new AbortController();
  const connections = new Set<AepConnection>();
  let opened = 0;

  async function connect(request: ConnectRequest = {}): Promise<AepConnection> {
    if (controller.signal.aborted) throw new Error('check was stopped');
    const user = request.user ?? newUserId();
    const token = request.token === null ? undefined : (request.token ?? (await tokens.valid(user)));
    opened++;
    const connection = await AepConnection.open({
      ...request,
      // Gateway headers go on every upgrade; a check's own headers (and the token) win.
      headers: { ...target.transport?.headers, ...request.headers },
      ...(target.transport?.tls ? { tls: target.transport.tls } : {}),
      url: request.url ?? target.wsUrl,
      token,
      auth: request.auth ?? (token ? 'header' : 'none'),
      label: request.label ?? `c${opened}`,
      transcript,
    });
    connections.add(connection);
    if (token) transcript.labelUser(connection.label, user);
    if (controller.signal.aborted) connection.drop();
    return connection;
  }

  const context: CheckContext = {
    target,
    tokens,
    transcript,
    signal: controller.signal,
    eventDelayMs,
    sizing,
    seed,
    ...(settings.disposableTarget
      ? {
          async disposableTarget() {
            const instance = await settings.disposableTarget!();
            disposables.push(instance.stop);
            const { wsUrl, httpUrl, drain, sibling, crash } = instance;
            return { wsUrl, httpUrl, drain, ...(sibling ? { sibling } : {}), ...(crash ? { crash } : {}) };
          },
        }
      : {}),
    newUser: () => newUserId(),
    connect,
    async session(request) {
      const connection = await connect(request);
      const ready = await connection.ready();
      if (ready?.type !== 'ready') {
        throw new Error(`expected ready as the first frame, got ${JSON.stringify(ready).slice(0, 200)}`);
      }
      return connection;
    },
  };

  return {
    context,
    abort: () => {
      controller.abort();
      for (const connection of connections) connection.drop();
    },
    async dispose() {
      await Promise.all([...connections].map((connection) => connection.close()));
      await Promise.all(disposables.map((stop) => stop()));
    },
  };
}
