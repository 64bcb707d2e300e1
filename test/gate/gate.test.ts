/**
 * `agentwire gate` on JUnit XML written, in this test, by the real runners: pytest, Jest
 * (jest-junit), Vitest, node:test and Mocha, each run as a process on a small suite whose
 * Docker-dependent tests skip themselves when DOCKER is not 1. Surefire cannot run here (no
 * Maven repository), so its case reads a fixture in Surefire 3's format.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateGate, parseJUnit } from '../../src/gate/index.js';
import { CLI } from '../support/cli.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const BIN = join(REPO, 'node_modules/.bin');
const SUREFIRE = join(import.meta.dirname, 'fixtures/TEST-com.example.ws.SessionIT.xml');

let root: string;

const PYTEST_WS = `import os, pytest
pytestmark = pytest.mark.skipif(os.environ.get("DOCKER") != "1", reason="Docker not available")
@pytest.mark.parametrize("n", range(80))
def test_roundtrip(n):
    assert n >= 0
`;
const PYTEST_UNIT = `def test_parse():
    assert True
def test_encode():
    assert True
`;
const JEST = `const docker = process.env.DOCKER === '1' ? test : test.skip;
describe('session', () => { test('parses', () => {}); docker('resumes', () => {}); docker('fans out', () => {}); });
`;
const VITEST = `import { describe, it, expect } from 'vitest';
const docker = process.env.DOCKER !== '1';
describe('session', () => {
  it('parses', () => { expect(1).toBe(1); });
  it.skipIf(docker)('resumes', () => {});
  it('rejects bad frames', () => { expect('ok').toBe('broken'); });
});
`;
const NODE_TEST = `import { describe, test } from 'node:test';
const skip = process.env.DOCKER === '1' ? false : 'Docker not available';
test('parses', () => {});
describe('session', () => { test('resumes', { skip }, () => {}); test('fans out', { skip }, () => {}); });
`;
const NODE_TEST_RENAMED = NODE_TEST.replace("'fans out'", "'fans out to every instance'");
const MOCHA = `describe('session (Docker)', function () {
  before(function () { if (process.env.DOCKER !== '1') this.skip(); });
  it('resumes', () => {});
});
describe('unit', function () { it('parses', () => {}); it('encodes', () => { require('node:assert').equal(1, 2); }); });
`;

interface Project {
  dir: string;
  files: Record<string, string>;
  command: (out: string) => [string, string[], NodeJS.ProcessEnv?];
}

const projects: Record<string, Project> = {
  pytest: {
    dir: 'py',
    files: { 'test_ws.py': PYTEST_WS, 'test_unit.py': PYTEST_UNIT },
    command: (out) => ['python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${out}`, '.']],
  },
  pytestWsOnly: {
    dir: 'py-ws',
    files: { 'test_ws.py': PYTEST_WS },
    command: (out) => ['python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${out}`, '.']],
  },
  jest: {
    dir: 'jest',
    files: { 'session.test.js': JEST, 'package.json': '{}' },
    command: (out) => [
      join(BIN, 'jest'),
      ['--rootDir', '.', '--ci', '--reporters', 'default', join(REPO, 'node_modules/jest-junit/index.js')],
      { JEST_JUNIT_OUTPUT_FILE: out, JEST_JUNIT_ADD_FILE_ATTRIBUTE: 'true' },
    ],
  },
  vitest: {
    dir: 'vitest',
    files: { 'session.test.ts': VITEST, 'vitest.config.mjs': 'export default {};\n' },
    command: (out) => [join(BIN, 'vitest'), ['run', '--reporter=junit', `--outputFile=${out}`]],
  },
  nodeTest: {
    dir: 'node',
    files: { 'session.test.mjs': NODE_TEST },
    command: (out) => [
      process.execPath,
      ['--test', '--test-reporter=junit', `--test-reporter-destination=${out}`, 'session.test.mjs'],
    ],
  },
  nodeTestRenamed: {
    dir: 'node-renamed',
    files: { 'session.test.mjs': NODE_TEST_RENAMED },
    command: (out) => [
      process.execPath,
      ['--test', '--test-reporter=junit', `--test-reporter-destination=${out}`, 'session.test.mjs'],
    ],
  },
  mocha: {
    dir: 'mocha',
    files: { 'session.spec.cjs': MOCHA },
    command: (out) => [
      join(BIN, 'mocha'),
      ['--reporter', 'xunit', '--reporter-option', `output=${out}`, 'session.spec.cjs'],
    ],
  },
};

/** Runs one project's runner; a failing suite exits non-zero, which is fine: the XML is the point. */
async function produce(name: keyof typeof projects, docker: boolean): Promise<string> {
  const project = projects[name]!;
  const dir = join(root, `${project.dir}${docker ? '-docker' : ''}`);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(project.files)) await writeFile(join(dir, file), content);
  const out = join(root, 'results', `${name}${docker ? '-docker' : ''}.xml`);
  const [command, args, env] = project.command(out);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, CI: '1', DOCKER: docker ? '1' : '0' };
  delete childEnv.VITEST;
  delete childEnv.VITEST_WORKER_ID;
  delete childEnv.VITEST_POOL_ID;
  delete childEnv.NODE_OPTIONS;
  await run(command, args, { cwd: dir, env: childEnv, timeout: 60_000 }).catch(
    (error: { stderr?: string }) => {
      if (error.stderr?.includes('No module named pytest'))
        throw new Error(
          'python3 -m pytest is missing: install python3-pytest (scripts/test-prerequisites.sh does)',
        );
    },
  );
  await readFile(out).catch(() => {
    throw new Error(`${name} wrote no JUnit XML at ${out}`);
  });
  return out;
}

async function gate(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'gate', ...args], {
      cwd: root,
      env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const reports: Record<string, string> = {};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentwire-gate-'));
  await mkdir(join(root, 'results'));
  const runs: [keyof typeof projects, boolean][] = [
    ['pytest', false],
    ['pytest', true],
    ['pytestWsOnly', false],
    ['jest', false],
    ['vitest', false],
    ['nodeTest', false],
    ['nodeTest', true],
    ['nodeTestRenamed', true],
    ['mocha', false],
  ];
  // Two at a time: the runners are the slow part, and the machine is shared.
  for (let i = 0; i < runs.length; i += 2) {
    await Promise.all(
      runs.slice(i, i + 2).map(async ([name, docker]) => {
        reports[`${name}${docker ? '-docker' : ''}`] = await produce(name, docker);
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function gateJson(args: string[]) {
  const out = join(root, `gate-${Math.random().toString(36).slice(2)}.json`);
  const result = await gate([...args, '--out', out]);
  const report = result.code === 0 || result.code === 1 ? JSON.parse(await readFile(out, 'utf8')) : undefined;
  return { ...result, report };
}

// Each CLI call is a process start; on a loaded shared machine that takes seconds.
describe('agentwire gate', { timeout: 120_000 }, () => {
  it('counts each runner’s executed, passed, failed and skipped tests from its own XML', async () => {
    const expected = {
      pytest: { tests: 82, executed: 2, passed: 2, failed: 0, skipped: 80 },
      jest: { tests: 3, executed: 1, passed: 1, failed: 0, skipped: 2 },
      vitest: { tests: 3, executed: 2, passed: 1, failed: 1, skipped: 1 },
      nodeTest: { tests: 3, executed: 1, passed: 1, failed: 0, skipped: 2 },
      mocha: { tests: 3, executed: 2, passed: 1, failed: 1, skipped: 1 },
    };
    for (const [name, totals] of Object.entries(expected)) {
      const path = reports[name]!;
      const report = evaluateGate(parseJUnit(await readFile(path, 'utf8'), path), [path], {
        minExecuted: 0,
        require: [],
      });
      expect({ name, ...report.totals, skipped_ratio: undefined }).toEqual({
        name,
        ...totals,
        skipped_ratio: undefined,
      });
      if (name === 'mocha') {
        expect(report.failed_tests).toEqual([
          {
            id: expect.stringMatching(/session\.spec\.cjs › Mocha Tests › unit › encodes$/),
            reason: '1 == 2',
          },
        ]);
        expect(report.verdict).toBe('fail');
      }
    }
  });

  it('groups skip reasons across runners and fails a suite that skipped everything for want of Docker', async () => {
    const summary = join(root, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const result = await gate([reports.pytestWsOnly!], { GITHUB_STEP_SUMMARY: summary });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('gate FAILED: 0 executed');
    expect(result.stdout).toContain('no test was executed (80 skipped of 80)');
    expect(result.stdout).toMatch(/80 × Docker not available/);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown.startsWith('# earlier step\n## agentwire gate: ❌ failed')).toBe(true);
    expect(markdown).toContain('| 80 | Docker not available |');

    const all = await gateJson([join(root, 'results/*.xml'), '--min-executed', '0']);
    const reasons = Object.fromEntries(
      all.report.skip_reasons.map((group: { reason: string; count: number }) => [group.reason, group.count]),
    );
    // pytest (80 + 80) and node:test (2) give a reason; Jest, Vitest and Mocha do not.
    expect(reasons).toEqual({ 'Docker not available': 162, '(no reason given)': 4 });
  });

  it('passes a suite that executed everything, and writes JSON and Markdown', async () => {
    const markdown = join(root, 'out/gate.md');
    const { code, report } = await gateJson([
      reports['pytest-docker']!,
      '--min-executed',
      '82',
      '--max-skipped-ratio',
      '0',
      '--markdown',
      markdown,
    ]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ schema_version: 1, verdict: 'pass', exit_code: 0, problems: [] });
    expect(report.totals.executed).toBe(82);
    expect(await readFile(markdown, 'utf8')).toContain('## agentwire gate: ✅ passed');
  });

  it('with a baseline, names every test that went from executed to skipped or vanished', async () => {
    const baseline = join(root, 'baseline.json');
    const before = await gate([reports['pytest-docker']!, reports['nodeTest-docker']!, '--out', baseline]);
    expect(before.code).toBe(0);
    const after = await gateJson([
      reports.pytest!,
      reports['nodeTestRenamed-docker']!,
      '--baseline',
      baseline,
    ]);
    expect(after.code).toBe(1);
    const { now_skipped, vanished } = after.report.coverage_loss;
    expect(now_skipped).toHaveLength(80);
    expect(now_skipped[0]).toEqual({
      id: 'pytest › test_ws › test_roundtrip[0]',
      reason: 'Docker not available',
    });
    expect(vanished).toEqual(['session › test › fans out']);
    expect(after.stdout).toContain('vanished:    session › test › fans out');
    // A JUnit file works as the baseline too.
    const fromXml = await gateJson([reports.nodeTest!, '--baseline', reports['nodeTest-docker']!]);
    expect(fromXml.report.coverage_loss.now_skipped.map((test: { id: string }) => test.id)).toEqual([
      'session › test › resumes',
      'session › test › fans out',
    ]);
  });

  it('--require and --max-skipped-ratio fail the gate, naming the glob and the ratio', async () => {
    const result = await gate([
      reports.pytest!,
      '--require',
      '*test_roundtrip*',
      '--require',
      '*test_parse',
      '--max-skipped-ratio',
      '0.5',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '--require *test_roundtrip*: all 80 matching tests were skipped (Docker not available)',
    );
    expect(result.stdout).not.toContain('--require *test_parse');
    expect(result.stdout).toContain('97.6% of tests skipped (80 of 82), above --max-skipped-ratio 0.5');
    const none = evaluateGate(parseJUnit(await readFile(reports.pytest!, 'utf8'), 'pytest.xml'), [], {
      minExecuted: 1,
      require: ['nothing-like-this'],
    });
    expect(none.problems).toEqual(['--require nothing-like-this matched no test']);
  });

  it('reads Surefire / JUnit 5 reports (fixture): Testcontainers skips grouped, a flaky pass counted as passed', async () => {
    const { code, report } = await gateJson([SUREFIRE]);
    expect(code).toBe(0);
    expect(report.totals).toMatchObject({ tests: 5, executed: 2, passed: 2, skipped: 3 });
    expect(report.skip_reasons).toEqual([
      {
        reason: 'disabledWithoutDocker is true and Docker is not available',
        count: 3,
        examples: expect.arrayContaining(['com.example.ws.SessionIT › resumeReplaysMissedEvents']),
      },
    ]);
  });

  it('refuses what it cannot read with the problem and the fix, writing nothing', async () => {
    const broken = join(root, 'broken.xml');
    await writeFile(broken, '<testsuites><testsuite name="x"><testcase name="a">');
    const out = join(root, 'never.json');
    const bad = await gate([broken, '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /broken\.xml is not well-formed XML \(line \d+: .*\); was the runner interrupted/,
    );
    await expect(readFile(out)).rejects.toThrow();

    expect(() => parseJUnit('<html><body/></html>', 'page.xml')).toThrow(
      'page.xml is not JUnit XML: its root is <html>',
    );

    const missing = await gate([join(root, 'nowhere/*.xml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no JUnit XML at');

    const ratio = await gate([SUREFIRE, '--max-skipped-ratio', '5']);
    expect(ratio.code).toBe(64);
    expect(ratio.stderr).toContain('--max-skipped-ratio takes a number from 0 to 1');

    const notGate = join(root, 'other.json');
    await writeFile(notGate, '{"schema_version": 7}');
    const baseline = await gate([SUREFIRE, '--baseline', notGate]);
    expect(baseline.code).toBe(2);
    expect(baseline.stderr).toContain('has schema_version 7; this agentwire reads gate reports of version 1');
  });
});
