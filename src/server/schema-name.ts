/**
 * The Postgres schema of the production event log: its default and what a name may be. Kept
 * apart from the store so the CLI can check `--schema` without loading the Postgres driver.
 */
export const DEFAULT_SCHEMA = 'agentwire';

/** Why `name` cannot be the schema (it is spliced into SQL as an identifier), or undefined. */
export function schemaNameProblem(name: string): string | undefined {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name)
    ? undefined
    : `schema "${name}" must be a lower-case SQL identifier (letters, digits, _)`;
}
