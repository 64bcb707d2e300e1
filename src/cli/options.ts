/** Parsing and validation of option values, with messages that say how to fix them. */
import { InvalidArgumentError } from 'commander';

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) {
      throw new InvalidArgumentError(`${name} takes a whole number ≥ 0, got "${value}"`);
    }
    return parsed;
  };
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`--port takes a port number from 0 to 65535, got "${value}"`);
  }
  return port;
}

/** A whole number within [min, max] for `flag`. */
/** A value that must say something: `--report-dir ''` would scatter reports into the current directory. */
export function parseNonEmpty(flag: string, fix: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} cannot be empty: ${fix}`);
    return value;
  };
}

export function parseWholeNumber(flag: string, min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max)
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}, got "${value}"`);
    return number;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Any URL --target may name; whether its scheme fits the profile is checked with the profile. */
export function parseTargetUrl(value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `"${value}" is not a URL; expected ws://host:port/ws (AEP/1) or http://host:port/agent (--profile ag-ui)`,
    );
  }
}

/** A ws:// or wss:// URL; other schemes get a message pointing at the right flag. */
export function parseWsUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL; expected ws://host:port/ws`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    throw new InvalidArgumentError(
      `wrong URL scheme ${url.protocol} in "${value}": AEP/1 targets are ws:// or wss:// URLs (for AG-UI over HTTP use --profile ag-ui)`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new InvalidArgumentError(
      `wrong URL scheme ${url.protocol} in "${value}": expected ws:// or wss://`,
    );
  }
  return url;
}

export function parseHttpUrl(name: string) {
  return (value: string): URL => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InvalidArgumentError(`${name} "${value}" is not a URL; expected http://host:port`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidArgumentError(`${name} "${value}" must be an http:// or https:// URL`);
    }
    return url;
  };
}
