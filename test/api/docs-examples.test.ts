/**
 * docs/api.md's examples, run as written against the packed package: `npm pack` of the built
 * tree, unpacked into a scratch project's node_modules, so `import … from 'agentwire'` resolves
 * through package.json `exports` the way it does for a user.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

function examples(markdown: string): string[] {
  // Blocks that name an example project's file (`// examples/…`) are that file, run by the
  // integration tests; the others are programs, run here.
  return [...markdown.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .filter((code) => !code.startsWith('// examples/'));
}

describe('docs/api.md examples (packed package, scratch project)', () => {
  const blocks = examples(readFileSync(join(root, 'docs/api.md'), 'utf8'));
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'aw-api-docs-'));
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', project],
      {
        cwd: root,
      },
    );
    const tarball = join(project, JSON.parse(stdout)[0].filename);
    const installed = join(project, 'node_modules', 'agentwire');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components', '1']);
    // The package's dependencies, as npm would install them next to it.
    for (const name of await readdir(join(root, 'node_modules'))) {
      if (name === '.bin' || name.startsWith('.')) continue;
      await symlink(join(root, 'node_modules', name), join(project, 'node_modules', name)).catch(() => {});
    }
    await writeFile(join(project, 'package.json'), '{"name":"scratch","private":true,"type":"module"}\n');
  }, 120_000);

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((code, index) => [index + 1, code] as const))(
    'example %i runs and exits 0',
    async (index, code) => {
      const file = join(project, `example-${index}.mjs`);
      await writeFile(file, code);
      const result = await run(process.execPath, [file], { cwd: project, timeout: 150_000 }).catch(
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect('code' in result ? result.code : 0, `${result.stdout}\n${result.stderr}`).toBe(0);
    },
    180_000,
  );
});
