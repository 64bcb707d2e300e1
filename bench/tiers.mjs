// Time to a ready environment per tier, side by side: the same services resolved through the
// docker tier (compose, real engine) and the local tier (in-process / native processes), each
// measured by `agentwire env --json` (resolution start → last probe passing) in the same run.
// Redis runs the very same redis-server binary in both tiers, so that row isolates the tier's cost.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_IMAGE, ensureBusyboxImage, ensureRedisImage, REDIS_IMAGE } from '../scripts/test-images.mjs';
import { freePort } from './free-port.mjs';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const rounds = 3;

async function resolveOnce(tier, service) {
  const dir = mkdtempSync(join(tmpdir(), 'aw-bench-tiers-'));
  try {
    const port = await freePort();
    const compose = {
      backend: `    image: ${BUSYBOX_IMAGE}\n    network_mode: host\n    command: ["busybox", "httpd", "-f", "-p", "127.0.0.1:${port}", "-h", "/www"]`,
      redis: `    image: ${REDIS_IMAGE}\n    network_mode: host\n    command: ["/usr/bin/redis-server", "--port", "${port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]`,
    }[service];
    writeFileSync(join(dir, 'compose.yaml'), `version: "3"\nservices:\n  ${service}:\n${compose}\n`);
    const services = {
      backend: {
        docker: { port, probes: [{ type: 'http', path: '/health', jsonField: 'status', jsonEquals: 'ok' }] },
        local: { provider: { type: 'reference' } },
      },
      redis: {
        docker: { port },
        local: { reuse: false, provider: { type: 'native' } },
      },
    }[service];
    writeFileSync(
      join(dir, 'agentwire.config.json'),
      JSON.stringify({ docker: { projectPrefix: 'awbench' }, services: { [service]: services } }),
    );
    const { stdout } = await run(process.execPath, [cli, 'env', '--json', '--require-tier', tier], {
      cwd: dir,
      timeout: 120_000,
    });
    const out = JSON.parse(stdout);
    return {
      readyMs: out.services[service].readyMs,
      totalMs: out.elapsedMs,
      source: out.services[service].source,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(tier, service) {
  const samples = [];
  for (let i = 0; i < rounds; i++) samples.push(await resolveOnce(tier, service));
  return {
    readyMs: median(samples.map((s) => s.readyMs)),
    totalMs: median(samples.map((s) => s.totalMs)),
    source: samples[0].source,
  };
}

let docker = true;
try {
  await run('docker', ['info', '--format', '{{.ServerVersion}}']);
  await ensureBusyboxImage();
  await ensureRedisImage();
} catch (error) {
  docker = false;
  console.log(
    `docker tier not measured: ${String(error.message).split('\n')[0]} (start it with .ci/docker-up.sh)`,
  );
}

console.log(`\ntime to a ready environment per tier, median of ${rounds} resolutions (agentwire env --json)`);
console.log(
  `${'service'.padEnd(9)}${'tier'.padEnd(8)}${'ready'.padStart(9)}${'resolution'.padStart(12)}  source`,
);
for (const service of ['backend', 'redis']) {
  const local = await measure('local', service);
  const rows = [['local', local]];
  if (docker) rows.unshift(['docker', await measure('docker', service)]);
  for (const [tier, m] of rows) {
    const ratio = tier === 'docker' ? `  ${(m.totalMs / local.totalMs).toFixed(1)}× local` : '';
    console.log(
      `${service.padEnd(9)}${tier.padEnd(8)}${`${m.readyMs} ms`.padStart(9)}${`${m.totalMs} ms`.padStart(12)}  ${m.source}${ratio}`,
    );
  }
}

// The promise to a laptop without Docker: `env --json` falls back to local within 2 s, whole
// command included, next to a bare node start measured in the same run.
{
  const dir = mkdtempSync(join(tmpdir(), 'aw-bench-noengine-'));
  writeFileSync(
    join(dir, 'agentwire.config.json'),
    JSON.stringify({
      services: {
        backend: { docker: { port: await freePort() }, local: { provider: { type: 'reference' } } },
      },
    }),
  );
  const wall = async (args, env) => {
    const start = process.hrtime.bigint();
    await run(process.execPath, args, { cwd: dir, env: { ...process.env, ...env }, timeout: 60_000 });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const bare = [];
  const noEngine = [];
  for (let i = 0; i < 5; i++) {
    bare.push(await wall(['-e', '']));
    noEngine.push(await wall([cli, 'env', '--json'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }));
  }
  rmSync(dir, { recursive: true, force: true });
  const m = median(noEngine);
  console.log(
    `
env --json without an engine (→ local), median of 5: ${m.toFixed(0)} ms  target < 2000 ms  ${m < 2000 ? 'ok' : 'SLOW'}  ${(m / median(bare)).toFixed(1)}× bare node start (${median(bare).toFixed(0)} ms)`,
  );
}
