// What every browser test script shares: Debian's chromium through playwright-core (the chromium on the PATH, no
// download), a wait that polls a condition, "ok <step>" lines, page and console errors collected, and the exit status.
import { chromium } from 'playwright-core';
import { execSync } from 'node:child_process';

export const WAIT = 15000;
export const problems = [];

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
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected(m.text())) problems.push(`console error: ${m.text()}`);
  });
  return page;
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
    await browser.close();
    process.exit(1);
  }
  await browser.close();
}
