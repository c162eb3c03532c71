import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO } from './dashboard-build.js';

/** Debian's chromium (apt-get install chromium; .ci/run installs it), never a test tool's own download. */
export const CHROMIUM = process.env.DBFERRY_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts', 'browser');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: no background, sync, QUIC or component-update traffic to be refused.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-quic', '--disable-component-update', '--disable-sync'],
  });
}

export interface TestPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and page errors, apart from the failed requests the test itself provokes. */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context (own sessionStorage) and page on the server. Console errors and uncaught
 * page errors are collected, so a test can assert the dashboard ran cleanly (a CSP violation shows
 * up there too). Chromium's "Failed to load resource" lines for API answers with a 4xx status are
 * expected where a test provokes them and are left out.
 */
export async function openPage(browser: Browser, origin: string, options: { viewport?: { width: number; height: number } } = {}): Promise<TestPage> {
  const context = await browser.newContext({ baseURL: origin, viewport: options.viewport ?? { width: 1280, height: 900 }, colorScheme: 'light' });
  // Waits fail in seconds, not at the test timeout, so one broken step does not stall the file.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, context, problems, close: () => context.close() };
}

/** A full-page PNG under test-artifacts/browser/ (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // From the top: a full-page shot of a scrolled page draws the sticky header in the middle.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage: true });
  return path;
}
