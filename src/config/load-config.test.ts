import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { configJsonSchema } from './json-schema.js';
import { findConfigFile, loadConfig, parseConfigText } from './load-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentwire-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function problemsOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('finds the config upward from a nested directory and applies defaults (YAML)', async () => {
    await writeFile(
      join(dir, 'agentwire.config.yaml'),
      'services:\n  backend:\n    docker: { port: 8080 }\n',
    );
    const nested = join(dir, 'a', 'b');
    await mkdir(nested, { recursive: true });
    const loaded = await loadConfig({ cwd: nested });
    expect(loaded?.path).toBe(join(dir, 'agentwire.config.yaml'));
    expect(loaded?.dir).toBe(dir);
    expect(loaded?.config.services.backend?.docker).toMatchObject({
      port: 8080,
      service: 'backend',
      wsPath: '/ws',
    });
  });

  it('names the config files the one in use shadows', async () => {
    await writeFile(join(dir, 'agentwire.config.json'), JSON.stringify({ services: { redis: {} } }));
    await writeFile(join(dir, 'agentwire.config.yaml'), 'services:\n  redis: {}\n');
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded?.path).toBe(join(dir, 'agentwire.config.json'));
    expect(loaded?.shadowed).toEqual(['agentwire.config.yaml']);
  });

  it('returns undefined without a config file, and --config pointing nowhere is an error naming the path', async () => {
    expect(findConfigFile(dir)).toBeUndefined();
    expect(await loadConfig({ cwd: dir })).toBeUndefined();
    await expect(loadConfig({ cwd: dir, configPath: 'missing.json' })).rejects.toThrow(
      `config file ${join(dir, 'missing.json')} does not exist`,
    );
  });

  it('loads JSON through --config, and refuses an unknown extension naming the ones it reads', async () => {
    await writeFile(join(dir, 'custom.json'), JSON.stringify({ services: { redis: { local: {} } } }));
    const loaded = await loadConfig({ cwd: dir, configPath: 'custom.json' });
    expect(loaded?.config.services.redis?.local).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      reuse: true,
    });
    await writeFile(join(dir, 'agentwire.config.toml'), '');
    await expect(loadConfig({ cwd: dir, configPath: 'agentwire.config.toml' })).rejects.toThrow(
      /use agentwire.config.json, .yaml, .yml, .ts or .mts/,
    );
  });
});

describe('TypeScript configs', () => {
  it('executes agentwire.config.ts found upward and validates its default export', async () => {
    await writeFile(
      join(dir, 'agentwire.config.ts'),
      [
        'interface Port { port: number }',
        'const backendPort: Port = { port: 8000 + 80 };',
        'export default { tiers: ["local", "docker"], services: { backend: { docker: backendPort } } };',
      ].join('\n'),
    );
    const nested = join(dir, 'src');
    await mkdir(nested);
    const loaded = await loadConfig({ cwd: nested });
    expect(loaded?.path).toBe(join(dir, 'agentwire.config.ts'));
    expect(loaded?.config.tiers).toEqual(['local', 'docker']);
    expect(loaded?.config.services.backend?.docker).toMatchObject({ port: 8080, service: 'backend' });
  });

  it('a function default export is called; an invalid result lists each problem with its path', async () => {
    await writeFile(
      join(dir, 'agentwire.config.mts'),
      'export default async () => ({ services: { backend: { docker: { port: "eighty" } } } });\n',
    );
    const error = await loadConfig({ cwd: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/services\.backend\.docker\.port/);
  });

  it('a TypeScript syntax error or a missing default export is a clear error naming the file', async () => {
    const broken = join(dir, 'agentwire.config.ts');
    await writeFile(broken, 'export default { services: { ');
    const syntax = await loadConfig({ cwd: dir }).catch((caught: unknown) => caught);
    expect((syntax as ConfigError).message).toMatch(
      new RegExp(
        `config file ${broken} is not valid: TypeScript config failed to load at line 1, column \\d+`,
      ),
    );
    await writeFile(broken, 'export const services = {};\n');
    const noDefault = await loadConfig({ cwd: dir }).catch((caught: unknown) => caught);
    expect((noDefault as ConfigError).message).toMatch(/no default export/);
  });
});

describe('validation errors', () => {
  it('lists every problem with its path and a hint', () => {
    const error = problemsOf(() =>
      parseConfigText(
        JSON.stringify({
          tiers: ['docker', 'cloud'],
          services: { backend: { docker: { prot: 1 }, staging: { wsUrl: 'http://x', tokenEnv: 'abc def' } } },
        }),
        '/p/agentwire.config.json',
      ),
    );
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]));
    expect(byPath['tiers.1']?.hint).toContain('"docker", "local", "staging"');
    expect(byPath['services.backend.docker']?.hint).toContain('remove "prot"');
    expect(byPath['services.backend.docker.port']?.hint).toContain('add this required field');
    expect(byPath['services.backend.staging.wsUrl']?.message).toContain('ws:// or wss://');
    expect(byPath['services.backend.staging.tokenEnv']?.message).toContain('NAME of an environment variable');
    expect(error.message).toContain('/p/agentwire.config.json has 5 problems');
    expect(error.code).toBe('AW_CONFIG_INVALID');
  });

  it('rejects a probe a service cannot have, naming the allowed types', () => {
    const error = problemsOf(() =>
      parseConfigText('services:\n  redis:\n    local:\n      probes: [{ type: ws }]\n', 'c.yaml'),
    );
    expect(error.problems[0]?.path).toBe('services.redis.local.probes.0.type');
    expect(error.problems[0]?.hint).toBe('set "type" to one of "tcp", "redis"');
  });

  it('names both types when a value has the wrong one, and never the value', () => {
    const error = problemsOf(() =>
      parseConfigText(
        JSON.stringify({ tiers: 'docker', services: { backend: { staging: { wsUrl: 42 } } } }),
        'c.json',
      ),
    );
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p]));
    expect(byPath.tiers?.message).toBe('expected array, got string');
    expect(byPath['services.backend.staging.wsUrl']?.message).toBe('expected string, got number');
    expect(error.message).not.toContain('"docker"');
  });

  it('reports JSON syntax errors with line and column', () => {
    const error = problemsOf(() => parseConfigText('{"services": {\n  "backend": ,\n}}', 'bad.json'));
    expect(error.code).toBe('AW_CONFIG_SYNTAX');
    expect(error.message).toBe(
      'config file bad.json is not valid: JSON error at line 2, column 14: value expected',
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const error = problemsOf(() => parseConfigText('services:\n  backend: [\n', 'bad.yaml'));
    expect(error.code).toBe('AW_CONFIG_SYNTAX');
    expect(error.message).toMatch(/bad\.yaml is not valid: YAML error at line \d+, column \d+/);
  });

  it('refuses an empty services object', () => {
    expect(problemsOf(() => parseConfigText('{"services":{}}', 'c.json')).message).toContain(
      'declares no service',
    );
  });
});

describe('JSON Schema', () => {
  it('is generated from the zod schema and describes the input (defaulted fields optional)', () => {
    type Node = {
      properties: Record<string, Node>;
      required?: string[];
      additionalProperties?: boolean;
      items: { enum: string[] };
    };
    const schema = configJsonSchema() as unknown as Node;
    const backendDocker = schema.properties.services!.properties.backend!.properties.docker!;
    expect(backendDocker.required).toEqual(['port']);
    expect(backendDocker.additionalProperties).toBe(false);
    expect(schema.properties.tiers!.items.enum).toEqual(['docker', 'local', 'staging']);
  });
});
