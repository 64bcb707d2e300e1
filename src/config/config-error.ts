/**
 * Every way a config can be wrong, as one error type with a stable code. Messages name the file,
 * the path inside it and a fix, so a reader never has to guess which line to change.
 */

import type { z } from 'zod';
import { ErrorCode } from '../errors.js';

export const ConfigErrorCode = {
  notFound: ErrorCode.AW_CONFIG_NOT_FOUND,
  unreadable: ErrorCode.AW_CONFIG_UNREADABLE,
  unsupportedFormat: ErrorCode.AW_CONFIG_UNSUPPORTED_FORMAT,
  syntax: ErrorCode.AW_CONFIG_SYNTAX,
  invalid: ErrorCode.AW_CONFIG_INVALID,
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

export interface ConfigProblem {
  /** Dotted path inside the config, e.g. "services.backend.docker.port"; "" for the root. */
  path: string;
  message: string;
  hint: string;
}

export class ConfigError extends Error {
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly file: string | undefined,
    readonly problems: readonly ConfigProblem[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function configNotFound(path: string): ConfigError {
  return new ConfigError(
    ConfigErrorCode.notFound,
    `config file ${path} does not exist: check the --config path, or omit --config to search upward from the current directory`,
    path,
  );
}

export function configUnreadable(path: string, cause: unknown): ConfigError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(ConfigErrorCode.unreadable, `cannot read config file ${path}: ${reason}`, path);
}

export function unsupportedFormat(path: string): ConfigError {
  return new ConfigError(
    ConfigErrorCode.unsupportedFormat,
    `config file ${path} has an unsupported extension: use agentwire.config.json, .yaml, .yml, .ts or .mts`,
    path,
  );
}

export function syntaxError(path: string, detail: string): ConfigError {
  return new ConfigError(ConfigErrorCode.syntax, `config file ${path} is not valid: ${detail}`, path);
}

export function invalidConfig(path: string | undefined, issues: readonly z.core.$ZodIssue[]): ConfigError {
  const problems = issues.map(toProblem);
  const lines = problems.map((p) => `  - ${p.path || '(root)'}: ${p.message} (fix: ${p.hint})`);
  const where = path ?? 'the config';
  return new ConfigError(
    ConfigErrorCode.invalid,
    `${where} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    path,
    problems,
  );
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  return { path: issue.path.map(String).join('.'), message: messageFor(issue), hint: hintFor(issue) };
}

/** A wrong type names both sides ("expected array, got string"), never the value itself. */
function messageFor(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input !== undefined)
    return `expected ${issue.expected}, got ${typeNameOf(issue.input)}`;
  if (issue.code === 'invalid_type') return `missing (expected ${issue.expected})`;
  return issue.message;
}

function typeNameOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hintFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((k) => `"${k}"`).join(', ')} or check the spelling against the JSON Schema (agentwire env --print-schema)`;
    case 'invalid_type':
      return issue.input === undefined
        ? `add this required field (${issue.expected})`
        : `use a value of type ${issue.expected}`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      return options
        ? `set "type" to one of ${options.map((o) => JSON.stringify(o)).join(', ')}`
        : 'match one of the documented forms';
    }
    case 'too_small':
      return issue.origin === 'array'
        ? `give at least ${issue.minimum} entr${issue.minimum === 1 ? 'y' : 'ies'}`
        : `use a value ≥ ${issue.minimum}`;
    case 'too_big':
      return `use a value ≤ ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'url'
        ? 'write a full URL such as ws://127.0.0.1:8080/ws'
        : `write it in ${issue.format} format`;
    default:
      return 'see docs/environment.md for the allowed values';
  }
}
