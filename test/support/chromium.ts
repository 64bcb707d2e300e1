/** The real browser the HTML tests open pages in: Debian's Chromium through playwright-core. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium, or fails naming the command that installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (bash .ci/browser-up.sh)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox (tests may run as root); nothing the page does may reach the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
