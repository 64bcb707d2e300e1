/**
 * Shell-style globs for file arguments the shell left unexpanded (quoted in CI YAML) and for
 * `--require` patterns over test ids: `*` and `**` match any run of characters (test ids have no
 * directory structure worth respecting), `?` one character.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += pattern.endsWith('.*') ? '' : '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 's');
}

const hasWildcard = (text: string) => /[*?]/.test(text);

/**
 * The XML files an argument names: a file itself, every `.xml` under a directory, or the files
 * a glob matches. Sorted, so reports and ids do not depend on directory order.
 */
export async function expandReportArgument(argument: string): Promise<string[]> {
  if (!hasWildcard(argument)) {
    const info = await stat(argument).catch(() => undefined);
    if (!info) return [];
    if (!info.isDirectory()) return [argument];
    const entries = await readdir(argument, { recursive: true });
    return entries
      .filter((entry) => entry.endsWith('.xml'))
      .map((entry) => join(argument, entry))
      .sort();
  }
  const parts = argument.split(/[\\/]/);
  const firstWild = parts.findIndex(hasWildcard);
  const base = parts.slice(0, firstWild).join(sep) || '.';
  const matcher = globToRegExp(resolve(argument));
  const entries = await readdir(base, { recursive: true }).catch(() => [] as string[]);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(base, entry);
    if (!matcher.test(resolve(path))) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) files.push(base === '.' ? relative('.', path) : path);
  }
  return files.sort();
}
