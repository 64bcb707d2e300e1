/**
 * The alert webhook: one JSON POST per run that raised alerts. A failure (refused, timed out, a
 * non-2xx answer) comes back as a one-line outcome, never an exception, so it cannot stop the
 * monitor. The URL's user, password, path and query may hold secrets (Slack-style hooks keep
 * theirs in the path), so only its origin is ever shown; credentials in the URL travel as a
 * Basic Authorization header, since fetch refuses URLs that carry them.
 */

import { MonitorOptionError } from './interval.js';
import type { Alert } from './rules.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface WebhookTarget {
  /** The URL the POST goes to, without user and password. */
  url: string;
  /** `scheme://host:port`: all that is ever printed or stored about it. */
  shown: string;
  headers: Record<string, string>;
  /** Strings that must never appear in what is printed (password, query, path). */
  secrets: string[];
}

export function parseWebhookUrl(value: string): WebhookTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MonitorOptionError('--webhook is not a URL: give an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MonitorOptionError(`--webhook must be an http:// or https:// URL, not ${url.protocol}`);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const secrets = [
    url.password,
    url.username,
    url.search.slice(1),
    url.pathname.length > 1 ? url.pathname : '',
  ]
    .flatMap((part) => [part, decodeURIComponentSafe(part)])
    .filter((part) => part.length >= 4);
  if (url.username || url.password) {
    const credentials = `${decodeURIComponentSafe(url.username)}:${decodeURIComponentSafe(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.toString(), shown: url.origin, headers, secrets };
}

/** The JSON body of an alert POST. */
export interface AlertPayload {
  kind: 'agentwire.monitor.alert';
  schema_version: 1;
  /** One line for chat webhooks that show `text`. */
  text: string;
  target: string;
  run: {
    number: number;
    started_at: string;
    verdict: string;
    duration_ms: number;
    summary: {
      total: number;
      executed: number;
      passed: number;
      failed: number;
      skipped: number;
      unsupported: number;
    };
  };
  alerts: Alert[];
}

/** POSTs the payload; resolves with `sent` or `failed: …` (secrets removed), never rejects. */
export async function postAlert(
  webhook: WebhookTarget,
  payload: AlertPayload,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<{ ok: boolean; outcome: string }> {
  try {
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: webhook.headers,
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { ok: true, outcome: 'sent' };
    return { ok: false, outcome: `failed: HTTP ${response.status} (${webhook.shown})` };
  } catch (error) {
    return {
      ok: false,
      outcome: `failed: ${scrub(failureOf(error, timeoutMs), webhook)} (${webhook.shown})`,
    };
  }
}

function failureOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function scrub(text: string, webhook: WebhookTarget): string {
  let out = text;
  for (const secret of webhook.secrets) out = out.split(secret).join('***');
  return out;
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
