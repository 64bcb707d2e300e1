// What production mode costs: the whole AEP/1 suite against `agentwire serve` in production mode
// (Postgres event log, Redis fan-out, two instances) next to the same suite against the
// embedded (in-memory) backend, both started the same way and measured in the same run.
// Needs Postgres and Redis (DATABASE_URL / REDIS_URL, default the machine's own).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from './free-port.mjs';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../dist/cli.js');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const secret = randomBytes(24).toString('hex');
const rounds = 3;

async function serve(extra) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', String(port), '--log-level', 'error', ...extra],
    {
      env: { ...process.env, AGENTWIRE_JWT_SECRET: secret, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function suiteMs(url) {
  const start = process.hrtime.bigint();
  const reportDir = mkdtempSync(join(tmpdir(), 'aw-bench-'));
  await run(
    process.execPath,
    [cli, 'run', '--target', url, '--jwt-secret', secret, '--report-dir', reportDir],
    {
      env: process.env,
    },
  ).catch((error) => {
    throw new Error(`the suite failed against ${url}:\n${error.stdout}${error.stderr}`);
  });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const schema = `aw_bench_${randomBytes(4).toString('hex')}`;
const embedded = await serve([]);
const production = await serve(['--production', '--instances', '2', '--schema', schema]);
const times = { embedded: [], production: [] };
try {
  for (let round = 0; round < rounds; round++) {
    times.embedded.push(await suiteMs(embedded.url));
    times.production.push(await suiteMs(production.url));
  }
} finally {
  await Promise.all([embedded.stop(), production.stop()]);
  const sql = postgres(databaseUrl, { onnotice: () => {} });
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  await sql.end();
}
const base = median(times.embedded);
const prod = median(times.production);
console.log(`median of ${rounds} runs, whole AEP/1 suite over --target (command start to exit)`);
console.log(`${'embedded (memory)'.padEnd(40)} ${base.toFixed(0).padStart(6)} ms  1.00×`);
console.log(
  `${'production (Postgres + Redis, 2 instances)'.padEnd(40)} ${prod.toFixed(0).padStart(6)} ms  ${(prod / base).toFixed(2)}× embedded`,
);
