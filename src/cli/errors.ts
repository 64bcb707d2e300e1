/**
 * Errors the CLI turns into one clear line and an exit code, never a stack trace. Each names
 * the problem and the fix; codes are stable so scripts and docs can refer to them.
 */
import { ExitCode } from '../runner/verdict.js';

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (code: string, message: string) => new CliError(code, message, ExitCode.usage);
export const notCheckedError = (code: string, message: string) =>
  new CliError(code, message, ExitCode.notChecked);
