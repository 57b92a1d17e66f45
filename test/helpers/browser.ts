/**
 * A real browser for console tests: playwright-core driving Debian's chromium
 * (installed by the test set-up; no browser download). DUTYDESK_CHROMIUM
 * points at another Chromium build.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  const file = process.env.DUTYDESK_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(file)) throw new Error(`no Chromium at ${file}: run the tests with \`npm test\`, which installs Debian's chromium, or set DUTYDESK_CHROMIUM`);
  return file;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. Nothing reaches out but the page.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-sync', '--disable-extensions'],
    timeout: 60_000,
  });
}
