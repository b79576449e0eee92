// Shared browser-test setup: Debian's Chromium driven by playwright-core (no
// browser download), quiet-network flags for the closed build network, and the
// project's static server on a random loopback port.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer } from '../../scripts/serve.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const require = createRequire(join(ROOT, 'tools', 'package.json'));
const { chromium } = require('playwright-core');

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/** Debian's headless Chromium, with no network beyond what the page asks for. */
export function launchChromium() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/** Serves `dir` (default www/, the viewer) on loopback and opens Chromium. */
export async function openBrowser({ extra, dir = join(ROOT, 'www') } = {}) {
  const server = await startServer({ dir, port: 0, extra });
  const base = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    // No context to close later: a listening server would keep the file alive.
    await new Promise((ok) => server.close(ok));
    throw err;
  }
  return {
    base,
    browser,
    async close() {
      // The server closes even when Chromium fails to.
      try {
        await browser.close();
      } finally {
        await new Promise((ok) => server.close(ok));
      }
    },
  };
}

/** A new page that records console errors, page errors and off-origin requests. */
export async function newPage(ctx) {
  const page = await ctx.browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith('http') && u.origin !== ctx.base) problems.push(`off-origin request: ${r.url()}`);
  });
  return { page, problems };
}
