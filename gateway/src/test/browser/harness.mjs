// What every browser test script shares: Debian's chromium through playwright-core (the chromium on the PATH, no
// download), a wait that polls a condition, "ok <step>" lines, page and console errors collected, and the exit status.
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';

export const WAIT = 15000;
export const problems = [];
const pages = [];
const script = basename(process.argv[1] || 'browser', '.test.mjs');

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || execSync('command -v chromium', { shell: '/bin/sh' }).toString().trim(),
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

export const step = (name) => console.log(`ok ${name}`);

/** Polls fn until it answers something truthy (returned), or fails naming what it waited for. */
export async function until(what, fn) {
  const end = Date.now() + WAIT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Collects a page's uncaught errors and console errors into problems; `expected` tells which console errors are
 * part of the story (e.g. a 409 the page explains).
 */
export function watch(page, expected = () => false) {
  pages.push(page);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected(m.text())) problems.push(`console error: ${m.text()}`);
  });
  return page;
}

/** Saves what a page shows as DOCS_SCREENSHOTS/<name>.png when that is set (the README's pictures), else nothing. */
export async function shot(page, name) {
  if (!process.env.DOCS_SCREENSHOTS) return;
  mkdirSync(process.env.DOCS_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${process.env.DOCS_SCREENSHOTS}/${name}.png` });
}

/** On a failure: what every page still open showed, as FAILURE_SCREENSHOTS/<script>-<n>.png. */
async function failureShots() {
  const dir = process.env.FAILURE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue;
    try {
      await page.screenshot({ path: `${dir}/${script}-${i + 1}.png`, fullPage: true });
      console.error(`screenshot: ${dir}/${script}-${i + 1}.png`);
    } catch (e) { /* a page that cannot be drawn any more */ }
  }
}

/** Runs the steps; any failure (or a page problem left at the end) prints why and exits 1. */
export async function run(steps) {
  try {
    await steps();
    if (problems.length) throw new Error(`page or console errors: ${problems.join(' | ')}`);
    step('no page or console errors');
  } catch (e) {
    console.error(`FAILED: ${e.stack || e}`);
    if (problems.length) console.error(`page problems: ${problems.join(' | ')}`);
    await failureShots();
    await browser.close();
    process.exit(1);
  }
  await browser.close();
}
