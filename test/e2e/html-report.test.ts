/**
 * report.html in a real browser (Debian's Chromium through playwright-core): the counts and the
 * verdict match report.json, the filters work, evidence opens, and a hostile server's strings
 * are shown as text, never run, with no request leaving the page.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { cli } from '../support/cli.js';
import { stubAepServer } from '../support/stub-server.js';

const SCRIPT_PAYLOAD = '</script><script>window.__pwned = "script"</script>';
const MARKUP_PAYLOAD = '<img src=x onerror="window.__pwned = \'img\'">';

/** Speaks just enough AEP/1 to be checked, and puts markup into every string it can. */
function hostileServer() {
  return stubAepServer({
    serverName: MARKUP_PAYLOAD,
    onMessage(socket) {
      socket.send(
        JSON.stringify({ type: 'error', code: 'internal', message: SCRIPT_PAYLOAD + MARKUP_PAYLOAD }),
      );
    },
  });
}

describe('report.html in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  async function open(file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    return { page, requests, errors };
  }

  const visibleRows = (page: Page) => page.locator('#checks tbody tr:visible').count();

  it('shows a hostile server’s strings as text, counts and filters what report.json says', async () => {
    const server = await hostileServer();
    const dir = await mkdtemp(join(tmpdir(), 'aw-html-'));
    try {
      const result = await cli([
        'run',
        '--target',
        server.wsUrl,
        '--jwt-secret',
        'html-secret-0123456789abcdef',
        '--report-dir',
        dir,
      ]);
      expect(result.code, result.stderr).toBe(1);
    } finally {
      await server.close();
    }
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const { page, requests, errors } = await open(join(dir, 'report.html'));

    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(errors).toEqual([]);
    expect(requests.every((address) => address.startsWith('file://'))).toBe(true);
    expect(await page.locator('#target').textContent()).toContain(MARKUP_PAYLOAD);

    for (const key of ['total', 'executed', 'passed', 'failed', 'skipped', 'unsupported'])
      expect(await page.locator(`[data-count="${key}"] b`).textContent(), key).toBe(
        String(report.summary[key]),
      );
    expect(await page.locator('#verdict').textContent()).toMatch(/^FAILED \(exit 1\)/);

    // Failed checks first: the filter starts on them.
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(await visibleRows(page)).toBe(report.summary.failed);
    await page.getByRole('button', { name: /^unsupported/ }).click();
    expect(await visibleRows(page)).toBe(report.summary.unsupported);
    await page.getByRole('button', { name: /^all/ }).click();
    expect(await visibleRows(page)).toBe(report.summary.total);

    const withPayload = report.checks.find(
      (check: { evidence?: unknown }) => check.evidence && JSON.stringify(check.evidence).includes('__pwned'),
    );
    expect(withPayload, 'a failed check whose evidence holds the server’s error').toBeDefined();
    const row = page.locator(`tr[data-id="${withPayload.id}"]`);
    await row.locator('details.evidence summary').click();
    const evidence = await row.locator('details.evidence pre').textContent();
    expect(evidence).toContain('</script><script>window.__pwned');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    await page.close();
  });

  it('a clean run against the embedded backend reads PASSED with every check listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aw-html-'));
    const result = await cli(['run', '--report-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
    const { page, errors } = await open(join(dir, 'report.html'));
    expect(errors).toEqual([]);
    expect(await page.locator('#verdict').textContent()).toBe('PASSED (exit 0)');
    expect(await visibleRows(page)).toBe(report.checks.length);
    expect(await page.locator('#decisions li').count()).toBe(report.environment.decisions.length);
    expect(await page.locator('#settings').textContent()).toContain(`seed ${report.settings.seed}`);
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: false });
    await page.close();
  });
});
