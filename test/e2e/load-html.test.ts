/**
 * load.html in a real browser (Debian's Chromium through playwright-core): the verdict,
 * thresholds and counters match load.json, every latency has its percentile plot, the timeline
 * is drawn, a hostile server's strings in failure reasons stay text, and no request leaves.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { cli } from '../support/cli.js';
import { stubAepServer } from '../support/stub-server.js';

const MARKUP = '<img src=x onerror="window.__pwned = 1"></script><script>window.__pwned = 2</script>';

describe('load.html in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('shows the plan, verdict, thresholds, counters, an HDR plot per metric and the timeline; markup stays text', async () => {
    // Answers every user_message with an error whose code is markup: it lands in the failures.
    const server = await stubAepServer({
      onMessage(socket, data) {
        const frame = JSON.parse(data.toString());
        socket.send(JSON.stringify({ type: 'error', id: frame.id, code: MARKUP, message: 'no' }));
      },
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'aw-load-html-'));
      const result = await cli([
        'load',
        '--target',
        server.wsUrl,
        '--jwt-secret',
        'load-html-secret-0123456789abcdef',
        '--sessions',
        '30',
        '--ramp-ms',
        '1500',
        '--report-dir',
        dir,
        '--no-default-thresholds',
        '--threshold',
        'runs_failed==0',
        '--threshold',
        'handshake_ready.p99<60000',
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const report = JSON.parse(await readFile(join(dir, 'load.json'), 'utf8'));
      expect(Object.keys(report.failures)[0]).toContain(MARKUP);

      const page = await browser.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(dir, 'load.html')).href);

      await expect(page.locator('#verdict').textContent()).resolves.toMatch(
        /^FAILED in \d+\.\d s, peak \d+ of 30 sessions/,
      );
      await expect(page.locator('#plan').textContent()).resolves.toMatch(/^load: closed model: 30 sessions/);
      const thresholdRows = page.locator('#thresholds tbody tr');
      expect(await thresholdRows.count()).toBe(report.thresholds.length);
      expect(await page.locator('#thresholds tr.failed').count()).toBe(1);
      await expect(page.locator('#thresholds tr.failed').textContent()).resolves.toContain('runs_failed==0');
      await expect(page.locator('#counters').textContent()).resolves.toContain(
        `sessions_opened${report.counters.sessions_opened}`,
      );
      // One percentile plot per metric; handshake_ready has samples, so it has a drawn line.
      expect(await page.locator('#distributions figure').count()).toBe(Object.keys(report.latency_ms).length);
      const hdrPath = await page.locator('[data-chart="hdr-handshake_ready"] path').getAttribute('d');
      expect(hdrPath?.split('L').length).toBeGreaterThan(3);
      expect(await page.locator('[data-chart="throughput"] path').count()).toBe(4);
      expect(await page.locator('[data-chart="time-handshake_ready"] path').count()).toBe(3);
      // The hostile code is shown as text and never ran.
      await expect(page.locator('#failures').textContent()).resolves.toContain(MARKUP);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
      expect(await page.locator('#failures img').count()).toBe(0);
      expect(errors).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
      await page.close();
    } finally {
      await server.close();
    }
  }, 120_000);
});
