/**
 * A target acquired in one process and checked from another: a test runner's globalSetup
 * acquires it and hands its workers a JSON-safe description, from which a worker rebuilds the
 * target to run the suite against. Releasing it stays the acquiring process's job.
 */
import type { ExecutionProfile } from '../runner/index.js';
import type { ReferenceServerOptions } from '../tiers/index.js';
import { type AcquiredTarget, disposable } from './target.js';

/** What a worker needs to run AEP/1 checks against a target another process acquired. */
export interface SharedTarget {
  wsUrl: string;
  httpUrl: string;
  allowedOrigin?: string;
  jwtSecret: string;
  mode: 'embedded' | 'external';
  /** How the reference backend was started, when it is one: the drain checks start two like it. */
  reference?: ReferenceServerOptions;
  /** The execution profile the resolved tiers called for. */
  profile?: ExecutionProfile;
}

/** The target a SharedTarget describes; its release does nothing here. */
export function sharedTarget(shared: SharedTarget): AcquiredTarget {
  return disposable({
    ok: true,
    protocol: 'aep',
    address: {
      wsUrl: shared.wsUrl,
      httpUrl: shared.httpUrl,
      ...(shared.allowedOrigin ? { allowedOrigin: shared.allowedOrigin } : {}),
    },
    jwtSecret: shared.jwtSecret,
    withToken: true,
    mode: shared.mode,
    ...(shared.reference ? { reference: { options: shared.reference, jwtSecret: shared.jwtSecret } } : {}),
    ...(shared.profile ? { tierProfile: shared.profile } : {}),
    release: async () => {},
  });
}
