/**
 * Errors the CLI turns into one clear line and an exit code, never a stack trace. The codes and
 * the error type live in the catalogue (src/errors.ts), shared with the library.
 */
export { AgentwireError as CliError, notCheckedError, usageError } from '../errors.js';
