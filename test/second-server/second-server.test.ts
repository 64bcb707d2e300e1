/**
 * The whole conformance suite against a second, independently written AEP/1 server: no false
 * positives. `agentwire run --target` (the built CLI) runs every check an external target can
 * take; the three that need instances of their own (drain, resume on another instance, fan-out
 * across instances) are unsupported there, so they run through the library (runSuite) with the
 * second server's own two-instance deployment as the instances of their own.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AEP_CHECKS } from '../../src/checks/index.js';
import { newSecret } from '../../src/client/index.js';
import { cli } from '../support/cli.js';
import { type SecondServer, startSecondServer } from './instance.js';
import {
  SECOND_SERVER_ORIGIN as ORIGIN,
  OWN_INSTANCE_CHECKS,
  runOwnInstanceChecks,
} from './own-instance-run.js';

/**
 * Checks that crash an instance of their own: unsupported against --target as well, and
 * not run here, since this server has no way to be crashed on purpose (no `crash` on its pair).
 */
const CRASH_CHECKS = ['R-6.5/crashed-instance-runs-end', 'R-6.5/crashed-instance-slots-freed'];

interface ReportedCheck {
  id: string;
  status: string;
  reason?: string;
  evidence?: unknown;
}

describe('the suite against a second correct AEP/1 server', () => {
  const secret = newSecret();
  let server: SecondServer;

  beforeAll(async () => {
    server = await startSecondServer({ secret, allowedOrigins: [ORIGIN] });
  });
  afterAll(() => server?.close());

  it('agentwire run --target: 0 failed; only the checks needing instances of their own are unsupported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-second-'));
    const result = await cli(
      ['run', '--target', server.wsUrl, '--allowed-origin', ORIGIN, '--report-dir', dir, '--pace', 'local'],
      { ...process.env, AGENTWIRE_JWT_SECRET: secret },
    );
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const failed = report.checks.filter((check: ReportedCheck) => check.status === 'failed');
    expect(
      failed.map((check: ReportedCheck) => `${check.id}: ${check.reason}`),
      JSON.stringify(failed.map((check: ReportedCheck) => check.evidence)),
    ).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
    // The checks needing instances of their own are unsupported against --target, or left out of
    // its plan; every other check of the registry must have run and passed.
    const ownInstance = new Set([...OWN_INSTANCE_CHECKS, ...CRASH_CHECKS]);
    const statuses = new Map(report.checks.map((check: ReportedCheck) => [check.id, check.status]));
    const notPassed = AEP_CHECKS.filter((check) => !ownInstance.has(check.id))
      .filter((check) => statuses.get(check.id) !== 'passed')
      .map((check) => `${check.id}: ${String(statuses.get(check.id) ?? 'not run')}`);
    expect(notPassed).toEqual([]);
    const unsupported = report.checks
      .filter((check: ReportedCheck) => check.status === 'unsupported')
      .map((check: ReportedCheck) => check.id);
    expect(unsupported.filter((id: string) => !ownInstance.has(id))).toEqual([]);
    expect(report.summary.skipped).toBe(0);
  }, 180_000);

  it('the checks needing instances of their own pass on its two-instance deployment', async () => {
    const report = await runOwnInstanceChecks(server.wsUrl, secret);
    expect(report.checks.map((r) => [r.id, r.status, r.status === 'failed' ? r.reason : ''])).toEqual(
      OWN_INSTANCE_CHECKS.map((id) => [id, 'passed', '']),
    );
  }, 60_000);
});
