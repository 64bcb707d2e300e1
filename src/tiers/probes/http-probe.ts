import { request } from 'undici';
import type { Endpoint } from '../types.js';
import { describeError, type Probe } from './probe.js';

export interface HttpProbeOptions {
  path: string;
  status: number;
  /** Dotted path into the JSON body, e.g. "status" or "checks.db". */
  jsonField?: string;
  jsonEquals?: string | number | boolean;
}

/** GET on the backend's HTTP base: expected status and, optionally, one JSON field's value. */
export class HttpProbe implements Probe {
  readonly description: string;

  constructor(private readonly options: HttpProbeOptions) {
    this.description = `http GET ${options.path} → ${options.status}${
      options.jsonField
        ? ` with ${options.jsonField}=${JSON.stringify(options.jsonEquals ?? '(present)')}`
        : ''
    }`;
  }

  target(endpoint: Endpoint): string {
    return this.urlOf(endpoint);
  }

  async attempt(endpoint: Endpoint, signal: AbortSignal): Promise<string> {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(this.urlOf(endpoint), { method: 'GET', signal });
    } catch (error) {
      throw new Error(describeError(error));
    }
    const body = await response.body.text();
    if (response.statusCode !== this.options.status) {
      throw new Error(
        `answered ${response.statusCode}, expected ${this.options.status}: ${body.slice(0, 120)}`,
      );
    }
    const { jsonField, jsonEquals } = this.options;
    if (!jsonField) return `answered ${response.statusCode}`;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new Error(`answered ${response.statusCode} but the body is not JSON: ${body.slice(0, 120)}`);
    }
    const value = jsonField
      .split('.')
      .reduce<unknown>(
        (node, key) =>
          node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
        json,
      );
    if (value === undefined) throw new Error(`JSON body has no field "${jsonField}"`);
    if (jsonEquals !== undefined && value !== jsonEquals) {
      throw new Error(
        `JSON field "${jsonField}" is ${JSON.stringify(value)}, expected ${JSON.stringify(jsonEquals)}`,
      );
    }
    return `answered ${response.statusCode} with ${jsonField}=${JSON.stringify(value)}`;
  }

  private urlOf(endpoint: Endpoint): string {
    if (endpoint.service !== 'backend')
      throw new Error(`an http probe needs a backend, not ${endpoint.service}`);
    return new URL(this.options.path, endpoint.httpUrl).toString();
  }
}
