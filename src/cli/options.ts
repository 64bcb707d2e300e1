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

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
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

/** http(s) base of a ws(s) URL: same host and port, for /health. */
export function httpBaseOf(wsUrl: URL): string {
  return `${wsUrl.protocol === 'wss:' ? 'https:' : 'http:'}//${wsUrl.host}`;
}
