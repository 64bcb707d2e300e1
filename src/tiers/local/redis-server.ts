/** A native `redis-server` on a free port, without persistence, owned by this run. */
import { TierErrorCode, tierError } from '../errors.js';
import { freePort } from '../free-port.js';
import { findExecutable } from '../which.js';
import { ManagedProcess } from './managed-process.js';

export interface NativeRedis {
  url: string;
  process: ManagedProcess;
}

export async function startNativeRedis(binary: string, env: NodeJS.ProcessEnv): Promise<NativeRedis> {
  const executable = findExecutable(binary, env);
  if (!executable) {
    throw tierError(
      TierErrorCode.binaryMissing,
      `redis-server binary "${binary}" not found on PATH (install it: apt-get install redis-server, or set services.redis.local.provider.binary)`,
    );
  }
  const port = await freePort();
  const process = new ManagedProcess({
    name: `redis-server on port ${port}`,
    file: executable,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    env,
  });
  return { url: `redis://127.0.0.1:${port}`, process };
}
