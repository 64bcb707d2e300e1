// Start-up of the commands that do little work, against a bare `node -e ""` start measured in the
// same rounds (interleaved, so machine load hits both alike). Target for `run --list`: ≤ 3× bare.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '../dist/cli.js');
const rounds = 9;

function elapsed(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('exit', (code) =>
      code === 0
        ? resolve(Number(process.hrtime.bigint() - start) / 1e6)
        : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

const commands = {
  'bare node start': ['-e', ''],
  'agentwire run --list': [cli, 'run', '--list'],
  'agentwire run --list --profile ag-ui': [cli, 'run', '--list', '--profile', 'ag-ui'],
  'agentwire --version': [cli, '--version'],
  'agentwire faults': [cli, 'faults'],
};
const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, args] of Object.entries(commands)) samples[name].push(await elapsed(args));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bare = median(samples['bare node start']);
console.log(`start-up, median of ${rounds} interleaved rounds (bare node start ${bare.toFixed(0)} ms)`);
for (const name of Object.keys(commands).slice(1)) {
  const ratio = median(samples[name]) / bare;
  const target = name === 'agentwire run --list' ? `  target ≤ 3.00×  ${ratio <= 3 ? 'ok' : 'SLOW'}` : '';
  console.log(
    `${name.padEnd(40)} ${median(samples[name]).toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}× bare${target}`,
  );
}
