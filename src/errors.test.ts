import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentwireError, ERROR_CATALOGUE, ErrorCode, ExitCode } from './errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the error catalogue', () => {
  it('is the only place an AW_ code is written as a string', () => {
    const offenders = sources(import.meta.dirname)
      .filter((path) => !path.endsWith('/errors.ts') || relative(import.meta.dirname, path) !== 'errors.ts')
      .flatMap((path) =>
        [...readFileSync(path, 'utf8').matchAll(/['"`](AW_[A-Z_]+)/g)].map(
          (match) => `${relative(import.meta.dirname, path)}: ${match[1]}`,
        ),
      );
    expect(offenders).toEqual([]);
  });

  it('names each code once, with an exit code and a meaning; one name for a missing secret', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(ErrorCode[code as keyof typeof ErrorCode]).toBe(code);
      expect(Object.values(ExitCode)).toContain(entry.exit);
      expect(entry.meaning.length, code).toBeGreaterThan(5);
    }
    expect(Object.keys(ERROR_CATALOGUE).filter((code) => /SECRET/.test(code) && !/ENV/.test(code))).toEqual([
      'AW_MISSING_SECRET',
    ]);
    const error = new AgentwireError(ErrorCode.AW_NO_CHECKS, 'x');
    expect([error.code, error.exitCode]).toEqual(['AW_NO_CHECKS', 64]);
  });
});
