/**
 * Which compose file(s) to use: the configured ones (relative to the config file), otherwise
 * the first documented candidate that exists. When none exists, the error lists every path tried.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TierErrorCode, tierError } from '../errors.js';

/** Searched in this order in the config's directory (or the working directory). */
export const COMPOSE_CANDIDATES = [
  'agentwire.compose.yaml',
  'agentwire.compose.yml',
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
] as const;

export function resolveComposeFiles(
  configured: string | readonly string[] | undefined,
  baseDir: string,
): string[] {
  if (configured !== undefined) {
    const files = (typeof configured === 'string' ? [configured] : [...configured]).map((file) =>
      resolve(baseDir, file),
    );
    const missing = files.filter((file) => !existsSync(file));
    if (missing.length) {
      throw tierError(
        TierErrorCode.composeFileMissing,
        `compose file not found; tried: ${missing.join(', ')} (fix docker.compose in the config; paths are relative to ${baseDir})`,
      );
    }
    return files;
  }
  const tried = COMPOSE_CANDIDATES.map((name) => resolve(baseDir, name));
  const found = tried.find((file) => existsSync(file));
  if (!found) {
    throw tierError(
      TierErrorCode.composeFileMissing,
      `no compose file found; tried: ${tried.join(', ')} (create one of them or set docker.compose in the config)`,
    );
  }
  return [found];
}
