/**
 * The plain HTTP side of an instance: `GET /health` (200, or 503 while draining, R-6.4),
 * `GET /metrics` (Prometheus text) and `POST /agent` (AG-UI over SSE, refused while draining).
 * Anything else is a 404 with a JSON body naming the route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AG_UI_PATH, HEALTH_PATH } from '../protocol/index.js';
import { type AgUiDependencies, handleAgUiRun } from './ag-ui-endpoint.js';
import type { ServerMetrics } from './metrics.js';

/** Prometheus scrapes this (text format). */
export const METRICS_PATH = '/metrics';

export interface HttpRouteDependencies {
  /** True once a drain began. */
  draining(): boolean;
  openSessions(): number;
  /** What /health names as the server. */
  server: { name: string; version: string };
  metrics: ServerMetrics;
  logger: Logger;
  agUi: AgUiDependencies;
}

/** The request handler of the instance's HTTP server (upgrades are handled apart). */
export function httpRoutes(
  dependencies: HttpRouteDependencies,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { metrics, logger } = dependencies;
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const draining = dependencies.draining();
    if (request.method === 'GET' && url.pathname === HEALTH_PATH) {
      const sessions = dependencies.openSessions();
      const body = draining
        ? { status: 'draining', sessions }
        : { status: 'ok', sessions, server: dependencies.server };
      respondJson(response, draining ? 503 : 200, body);
      return;
    }
    if (request.method === 'GET' && url.pathname === METRICS_PATH) {
      void metrics.scrape().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
          response.end(body);
        },
        (error: unknown) => {
          logger.error({ err: String(error) }, 'metrics scrape failed');
          respondJson(response, 500, { error: 'internal', message: 'metrics unavailable' });
        },
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === AG_UI_PATH) {
      if (draining) {
        respondJson(response, 503, { error: 'draining', message: 'server is shutting down' });
        return;
      }
      void handleAgUiRun(request, response, dependencies.agUi).catch((error: unknown) => {
        logger.error({ err: String(error) }, 'ag-ui request failed');
        if (!response.headersSent)
          respondJson(response, 500, { error: 'internal', message: 'request failed' });
        else response.end();
      });
      return;
    }
    respondJson(response, 404, { error: 'not_found', message: `no route ${request.method} ${url.pathname}` });
  };
}

function respondJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
