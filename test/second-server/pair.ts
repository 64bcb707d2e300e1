/** Two instances of the second server sharing one deployment: what the drain checks shut down. */
import { Deployment } from './deployment.js';
import type { Flaws } from './flaws.js';
import { startSecondServer } from './instance.js';

export interface SecondServerPair {
  wsUrl: string;
  httpUrl: string;
  drain(): Promise<void>;
  sibling: { wsUrl: string; httpUrl: string };
  stop(): Promise<void>;
}

export async function startSecondServerPair(options: {
  secret: string;
  allowedOrigins?: readonly string[];
  /** Deliberate bugs of both instances (`flaws.ts`); none when omitted. */
  flaws?: Flaws;
}): Promise<SecondServerPair> {
  const deployment = new Deployment(4, options.flaws);
  const first = await startSecondServer({ ...options, deployment });
  const second = await startSecondServer({ ...options, deployment });
  return {
    wsUrl: first.wsUrl,
    httpUrl: first.httpUrl,
    drain: first.drain,
    sibling: { wsUrl: second.wsUrl, httpUrl: second.httpUrl },
    stop: async () => void (await Promise.all([first.close(), second.close()])),
  };
}
