/** Choosing checks by id: the globs of --checks, --require and the integrations. */
/**
 * `*` matches any run of characters (slashes included), `?` one; a comma separates patterns;
 * matching ignores case. A bare rule id selects that rule's checks (`R-5.1` = `R-5.1/*`), and a
 * pattern starting with `!` leaves its matches out (`*,!R-6.4/*`; only exclusions = all but those).
 */
export function selectChecks<T extends { id: string }>(
  checks: readonly T[],
  patterns: string | undefined,
): T[] {
  if (!patterns) return [...checks];
  const parts = patterns
    .split(',')
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  const includes = parts.filter((part) => !part.startsWith('!')).map(matcherOf);
  const excludes = parts
    .filter((part) => part.startsWith('!'))
    .map((part) => matcherOf(part.slice(1).trim()));
  return checks.filter(
    (check) =>
      (includes.length === 0 || includes.some((matcher) => matcher.test(check.id))) &&
      !excludes.some((matcher) => matcher.test(check.id)),
  );
}

const RULE_ID = /^(R-\d+(\.\d+)*|§\d+|AGUI-[A-Z0-9]+(\.\d+)*)$/i;

function matcherOf(pattern: string): RegExp {
  const glob = RULE_ID.test(pattern) ? `${pattern}/*` : pattern;
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    'i',
  );
}
