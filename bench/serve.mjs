// The reference backend the load benchmarks drive: `agentwire serve` on a free port with the
// given HS256 secret, logging errors only. Resolves once its banner names both URLs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '../dist/cli.js');

export async function serveReference(secret) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'error'], {
    env: { ...process.env, AGENTWIRE_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  const [url, health] = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const ws = /websocket\s+(ws:\/\/\S+)/.exec(output);
      const health = /health\s+(http:\/\/\S+)/.exec(output);
      if (ws && health) resolve([ws[1], health[1]]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, health, stop: () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')) };
}
