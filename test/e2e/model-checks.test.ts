/**
 * The model-based checks through the built CLI: they catch an injected fault they were not
 * written for and shrink it to a short sequence with the seed that repeats it.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('model-based checks (built CLI)', () => {
  it('catch resume-skips and report the shrunk sequence, its frames and the seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-model-'));
    const result = await cli([
      'run',
      '--checks',
      'model/interleavings',
      '--fault',
      'resume-skips',
      '--seed',
      '11',
      '--report-dir',
      dir,
    ]);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const [check] = report.checks;
    expect(check).toMatchObject({ id: 'model/interleavings', status: 'failed' });
    expect(check.reason).toContain('repeat with --seed 11 --checks model/interleavings');
    const { commands, seed } = check.evidence.details;
    expect(seed).toBe(11);
    // Shrunk: a thread with events, then a resume that leaves the first missed event out.
    expect(commands.length).toBeLessThanOrEqual(3);
    expect(commands.some((command: string) => command.startsWith('resume('))).toBe(true);
    expect(
      check.evidence.transcript.some((entry: { frame: { type?: string } }) => entry.frame?.type === 'ack'),
    ).toBe(true);
  }, 120_000);
});
