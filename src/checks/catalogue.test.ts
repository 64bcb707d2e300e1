import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agUiChecks as AG_UI_CHECKS } from './ag-ui/index.js';
import { CHECK_CATALOGUE } from './catalogue.js';
import { AEP_CHECKS } from './registry.js';

describe('the check catalogue (what `run --list` reads without loading check code)', () => {
  it('holds every check of the registry, in order, with the same id, rules, title and requirements (regenerate with npm run catalogue)', () => {
    for (const [name, checks] of [
      ['aep', AEP_CHECKS],
      ['ag-ui', AG_UI_CHECKS],
    ] as const) {
      expect(CHECK_CATALOGUE[name], name).toEqual(
        checks.map((check) => ({
          id: check.id,
          rules: check.rules,
          title: check.title,
          requires: check.requires,
          ...(check.needsOwnInstances ? { needsOwnInstances: true } : {}),
        })),
      );
    }
  });

  it('loads no check code and none of the libraries the checks use', () => {
    const file = join(import.meta.dirname, 'catalogue.ts');
    const imports = [...readFileSync(file, 'utf8').matchAll(/^import (type )?.* from '(.+)';$/gm)];
    expect(imports.map(([, type, from]) => `${type ?? ''}${from}`)).toEqual(['type ./check-info.js']);
    // check-info.ts itself imports types only.
    const info = readFileSync(join(import.meta.dirname, 'check-info.ts'), 'utf8');
    expect(info.match(/^import (?!type ).*$/gm)).toBeNull();
  });
});
