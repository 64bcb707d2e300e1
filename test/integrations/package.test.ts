/**
 * The packed package works from a user's project: `npm pack`, install the tarball into a
 * scratch project, import `agentwire` and `agentwire/vitest` there (ESM), and type-check a file
 * that uses them with tsc against the declarations the package ships.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, RUNNER_TEST_TIMEOUT_MS, runnerEnv } from './run-example.js';

const exec = promisify(execFile);
const run = (command: string, args: string[], cwd: string) =>
  exec(command, args, {
    cwd,
    env: runnerEnv(),
    timeout: RUNNER_TEST_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });

let scratch: string;
let packedFiles: string[];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/vitest.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it in pretest)');
  scratch = await mkdtemp(join(tmpdir(), 'agentwire-package-'));
  // The declarations (what prepack emits before a publish); --ignore-scripts keeps prepack's
  // rebuild from emptying dist/ under the other test files that run at the same time.
  await run('npm', ['run', 'build:types'], ROOT);
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch],
    ROOT,
  );
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packedFiles = packed.files.map((file) => file.path);
  const vitestVersion = JSON.parse(
    await readFile(join(ROOT, 'node_modules/vitest/package.json'), 'utf8'),
  ).version;
  await writeFile(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  // From npm's cache when it has everything (it does after the first run), else the registry.
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      `./${packed.filename}`,
      `vitest@${vitestVersion}`,
    ],
    scratch,
  );
}, RUNNER_TEST_TIMEOUT_MS * 2);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed package in a scratch project', { timeout: RUNNER_TEST_TIMEOUT_MS }, () => {
  test('ships the entry points and their declarations, and no sources or tests', () => {
    for (const file of [
      'dist/index.js',
      'dist/cli.js',
      'dist/vitest.js',
      'dist/playwright.js',
      'dist/jest.js',
      'dist/types/index.d.ts',
      'dist/types/integrations/vitest.d.ts',
      'dist/types/integrations/playwright.d.ts',
      'dist/types/integrations/jest.d.ts',
    ])
      expect(packedFiles).toContain(file);
    expect(packedFiles.filter((file) => file.startsWith('src/') || file.endsWith('.test.ts'))).toEqual([]);
  });

  test('imports agentwire and agentwire/vitest as ESM', async () => {
    await writeFile(
      join(scratch, 'imports.mjs'),
      [
        "import { AEP_CHECKS, defineConfig, TOOL_NAME } from 'agentwire';",
        "import { agentwireGlobalSetup, conformance, PROVIDE_KEY } from 'agentwire/vitest';",
        'console.log(JSON.stringify({',
        '  tool: TOOL_NAME,',
        '  checks: AEP_CHECKS.length,',
        "  config: defineConfig({ tiers: ['local'], services: { backend: { local: { provider: { type: 'reference' } } } } }).tiers,",
        '  setup: typeof agentwireGlobalSetup(),',
        '  conformance: typeof conformance,',
        '  key: PROVIDE_KEY,',
        '}));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['imports.mjs'], scratch);
    const seen = JSON.parse(stdout);
    expect(seen).toMatchObject({
      tool: 'agentwire',
      config: ['local'],
      setup: 'function',
      conformance: 'function',
      key: 'agentwire',
    });
    expect(seen.checks).toBeGreaterThan(50);
  });

  test('its types resolve with tsc: typed config, typed inject, and a wrong type is an error', async () => {
    await writeFile(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['usage.ts'],
      }),
    );
    await writeFile(
      join(scratch, 'usage.ts'),
      [
        "import { type AgentwireConfigInput, defineConfig, type RunReport } from 'agentwire';",
        "import { type AepEnvironment, agentwireGlobalSetup } from 'agentwire/vitest';",
        "import { inject } from 'vitest';",
        'export const config: AgentwireConfigInput = defineConfig({',
        "  tiers: ['local'],",
        "  services: { backend: { local: { provider: { type: 'reference' } } } },",
        '});',
        'export const setup = agentwireGlobalSetup();',
        "export const environment: AepEnvironment = inject('agentwire');",
        'export const url: string = environment.wsUrl;',
        "export const profile: RunReport['profile'] = 'aep';",
        '// @ts-expect-error the provided environment is typed: wsUrl is a string',
        "export const wrong: number = inject('agentwire').wsUrl;",
        '// @ts-expect-error tiers are checked',
        "defineConfig({ tiers: ['nowhere'], services: {} });",
      ].join('\n'),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], scratch).catch(
      (error: { stdout: string; code: number }) => ({ stdout: error.stdout, failed: error.code }),
    );
    expect(result.stdout).toBe('');
    expect('failed' in result).toBe(false);
  });
});
