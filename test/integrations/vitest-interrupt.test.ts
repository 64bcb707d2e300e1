/**
 * Ctrl+C during a Vitest run: the backend the globalSetup started (here a command, a process
 * of its own) is stopped, not left running.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { linkAgentwire, ROOT, RUNNER_TEST_TIMEOUT_MS, runRunner, stopRunners } from './run-example.js';

let scratch: string | undefined;
afterAll(async () => {
  stopRunners();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGINT while a test runs stops the backend command the globalSetup started', {
  timeout: RUNNER_TEST_TIMEOUT_MS,
}, async () => {
  const dir = await linkAgentwire(
    'vitest-interrupt',
    join(ROOT, 'test/integrations/fixtures/vitest-interrupt'),
  );
  scratch = await mkdtemp(join(tmpdir(), 'agentwire-interrupt-'));
  const marker = join(scratch, 'running');
  let interrupted = false;
  let runner: { kill(signal: NodeJS.Signals): boolean } | undefined;
  // Interrupt once the test is under way (it writes the marker, then waits).
  const poll = setInterval(() => {
    if (!interrupted && runner && existsSync(marker)) {
      interrupted = true;
      runner.kill('SIGINT');
    }
  }, 100);
  const result = await runRunner(dir, 'vitest', ['run'], {
    env: { INTERRUPT_MARKER: marker },
    onOutput: (_output, child) => {
      runner = child;
    },
  }).finally(() => clearInterval(poll));
  expect(interrupted, result.output).toBe(true);
  const source = /\(pid (\d+), port (\d+)\)/.exec(result.output);
  expect(source, result.output).not.toBeNull();
  const [, pid, port] = source!;
  expect(await readFile(marker, 'utf8')).toBe(`http://127.0.0.1:${port}`);
  expect(result.code === 0, result.output).toBe(false);
  // Vitest exits 1 ms after SIGINT, without its globalSetup teardown: the tiers' exit hook
  // SIGKILLs the group synchronously; the kernel and init finish the job a moment later.
  await expect
    .poll(() => groupAlive(Number(pid)), {
      timeout: 10_000,
      message: `backend process group ${pid} still alive`,
    })
    .toBe(false);
  await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
});
