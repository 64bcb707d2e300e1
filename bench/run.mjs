// Cold start (command start → first check executing) and total suite time for the embedded
// default, each against a baseline measured in the same run: a bare `node -e ""` start, and the
// same suite with one check at a time.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '../dist/cli.js');

function time(args, marker) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let first;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk) => {
      if (!first && marker && chunk.toString().includes(marker)) first = process.hrtime.bigint();
    });
    child.on('exit', (code) => {
      const ms = (t) => (t === undefined ? undefined : Number(t - start) / 1e6);
      if (code !== 0 && marker) reject(new Error(`agentwire exited ${code}`));
      else resolve({ total: ms(process.hrtime.bigint()), first: ms(first) });
    });
  });
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = 5;
const bare = [];
const cold = [];
const suite = [];
for (let i = 0; i < rounds; i++) {
  bare.push((await time(['-e', ''])).total);
  const run = await time([cli, 'run', '--report-dir', mkdtempSync(join(tmpdir(), 'aw-bench-'))], 'running ');
  cold.push(run.first);
  suite.push(run.total);
}
const serial = (
  await time(
    [cli, 'run', '--concurrency', '1', '--report-dir', mkdtempSync(join(tmpdir(), 'aw-bench-'))],
    'running ',
  )
).total;
const row = (name, value, target, base, baseName) =>
  console.log(
    `${name.padEnd(28)} ${value.toFixed(0).padStart(6)} ms  target < ${target} ms  ${value < target ? 'ok  ' : 'SLOW'}  ${(value / base).toFixed(2)}× ${baseName}`,
  );
console.log(`median of ${rounds} runs, embedded backend`);
row(
  'cold start → first check',
  median(cold),
  1500,
  median(bare),
  `bare node start (${median(bare).toFixed(0)} ms)`,
);
row('whole suite (command)', median(suite), 15000, serial, `one check at a time (${serial.toFixed(0)} ms)`);
