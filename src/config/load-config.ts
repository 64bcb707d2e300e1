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
import { parse as parseYaml, YAMLParseError } from 'yaml';
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
  if (TYPESCRIPT_EXTENSIONS.includes(extname(path).toLowerCase()))
    return { config: validateConfig(await importTypeScriptConfig(path), path), path, dir: dirname(path) };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw configUnreadable(path, error);
  }
  return { config: parseConfigText(text, path), path, dir: dirname(path) };
}

/** Parses and validates config text; the format follows the file extension. */
export function parseConfigText(text: string, path: string): AgentwireConfig {
  const format = formatOf(path);
  let raw: unknown;
  try {
    raw = format === 'json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0]
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
      throw syntaxError(path, `YAML error${where}: ${error.message.split('\n')[0]}`);
    }
    throw syntaxError(path, `JSON error: ${(error as Error).message}`);
  }
  return validateConfig(raw, path);
}

export function validateConfig(raw: unknown, path?: string): AgentwireConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      'AW_CONFIG_INVALID',
      `${path ?? 'the config'} must hold an object with a "services" key (see docs/environment.md)`,
      path,
    );
  }
  const result = configSchema.safeParse(raw);
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
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw syntaxError(path, `TypeScript config failed to load: ${firstLine}`);
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
