/**
 * Finding and reading agentwire.config.{json,yaml,yml,ts,mts}: an explicit path (--config) or
 * the first candidate found walking upward from the working directory. Returns `undefined` when
 * no file exists, because running without a config is the normal embedded default. A TypeScript
 * config is executed (through jiti, loaded only then) and its default export validated like the
 * others.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ErrorCode } from '../errors.js';
import {
  ConfigError,
  configNotFound,
  configUnreadable,
  invalidConfig,
  syntaxError,
  unsupportedFormat,
} from './config-error.js';
import { type AgentwireConfig, configSchema } from './schema.js';

export const CONFIG_FILE_NAMES = [
  'agentwire.config.json',
  'agentwire.config.yaml',
  'agentwire.config.yml',
  'agentwire.config.ts',
  'agentwire.config.mts',
] as const;

const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'];

export interface LoadedConfig {
  config: AgentwireConfig;
  /** Absolute path of the file. */
  path: string;
  /** Directory relative paths in the config are resolved against. */
  dir: string;
  /** Other config files beside it, which this one shadows (their names, in search order). */
  shadowed: string[];
}

export interface LoadConfigOptions {
  cwd?: string;
  /** --config: this file and no search. */
  configPath?: string;
}

/** The config file that applies to `cwd`, searching upward to the filesystem root. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig | undefined> {
  const cwd = options.cwd ?? process.cwd();
  let path: string | undefined;
  if (options.configPath) {
    path = resolve(cwd, options.configPath);
    if (!existsSync(path)) throw configNotFound(path);
  } else {
    path = findConfigFile(cwd);
    if (!path) return undefined;
  }
  const found = { path, dir: dirname(path), shadowed: shadowedBy(path) };
  if (TYPESCRIPT_EXTENSIONS.includes(extname(path).toLowerCase()))
    return { config: validateConfig(await importTypeScriptConfig(path), path), ...found };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw configUnreadable(path, error);
  }
  return { config: parseConfigText(text, path), ...found };
}

/** The other candidate names present in the same directory as `path`. */
function shadowedBy(path: string): string[] {
  const dir = dirname(path);
  return CONFIG_FILE_NAMES.filter((name) => join(dir, name) !== path && existsSync(join(dir, name)));
}

/** Parses and validates config text; the format follows the file extension. */
export function parseConfigText(text: string, path: string): AgentwireConfig {
  const format = formatOf(path);
  return validateConfig(format === 'json' ? parseJsonText(text, path) : parseYamlText(text, path), path);
}

/** Node's own JSON.parse names no position; jsonc-parser gives the offset of the first error. */
function parseJsonText(text: string, path: string): unknown {
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumnOf(text, first.offset);
    throw syntaxError(
      path,
      `JSON error at line ${line}, column ${column}: ${readableParseError(first.error)}`,
    );
  }
  return raw;
}

function parseYamlText(text: string, path: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const where = error.linePos?.[0]
      ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
      : '';
    throw syntaxError(path, `YAML error${where}: ${error.message.split('\n')[0]}`);
  }
}

function lineAndColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

export function validateConfig(raw: unknown, path?: string): AgentwireConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      ErrorCode.AW_CONFIG_INVALID,
      `${path ?? 'the config'} must hold an object with a "services" key (see docs/environment.md)`,
      path,
    );
  }
  // reportInput: a wrong type is named by the type it has (the value itself is never printed).
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw invalidConfig(path, result.error.issues);
  return result.data;
}

async function importTypeScriptConfig(path: string): Promise<unknown> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false, interopDefault: false });
  let module: { default?: unknown };
  try {
    module = await jiti.import<{ default?: unknown }>(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The transpiler names the place as "<file>:<line>:<column>" on a line of its own.
    const place = /:(\d+):(\d+)\s*$/m.exec(message);
    const where = place ? ` at line ${place[1]}, column ${place[2]}` : '';
    throw syntaxError(
      path,
      `TypeScript config failed to load${where}: ${(message.split('\n')[0] ?? '').trim()}`,
    );
  }
  const exported = module.default;
  const value = typeof exported === 'function' ? await (exported as () => unknown)() : await exported;
  if (value === undefined)
    throw syntaxError(path, 'it has no default export: end it with `export default defineConfig({ … })`');
  return value;
}

function formatOf(path: string): 'json' | 'yaml' {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw unsupportedFormat(path);
}

/** "ValueExpected" → "value expected". */
function readableParseError(code: ParseError['error']): string {
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
