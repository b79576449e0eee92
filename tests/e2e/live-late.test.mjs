// The sidecar's live page opened late, as after an alert: it shows every run
// the sidecar already holds (all 50, newest first), follows new ones as they
// come, announces a new failure as a button that opens it, and a reload
// shows the same runs again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, newPage } from './browser.mjs';
import { cleanup, install, serve, swampRun, tempDir } from '../sidecar/helpers.mjs';

let pkg;
let browser;
before(async () => {
  pkg = install();
  browser = await launchChromium();
});
after(async () => {
  // The sidecars go even if Chromium fails to close: they would keep the file alive.
  try {
    await browser?.close();
  } finally {
    await cleanup();
  }
});

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const listed = (page) => page.$$eval('#runs .run', (runs) => runs.map((r) => r.dataset.run));

test('opened after 50 runs: all 50 at once, newest first; then the new ones; a new failure announced', async () => {
  const sidecar = await serve(pkg, ['--spool', tempDir()]);
  for (let i = 0; i < 50; i++) {
    assert.equal((await sidecar.post(swampRun(`r${i}`, 1, T0 + i * 60_000), '/events?source=engine')).status, 202);
  }
  const { page, problems } = await newPage({ browser, base: sidecar.url });
  await page.goto(`${sidecar.url}/`);
  await page.waitForFunction(() => document.querySelectorAll('#runs .run').length === 50, null, { timeout: 15000 });
  const first = await listed(page);
  assert.deepEqual(first, Array.from({ length: 50 }, (_, i) => `r${49 - i}`), 'newest first');
  assert.equal(await page.textContent('#run-count'), '50 of 50');

  // A new run, then one that fails: listed first, the failure announced.
  assert.equal((await sidecar.post(swampRun('r50', 1, T0 + 50 * 60_000), '/events?source=engine')).status, 202);
  await page.waitForFunction(() => document.querySelector('#runs .run')?.dataset.run === 'r50', null, { timeout: 15000 });
  const failing = [
    { kind: 'started', runId: 'bad', workflowName: 'wf-bad', timestamp: T0 + 51 * 60_000 },
    { kind: 'method_executing', jobId: 'job', stepId: 's0', methodName: 'run', timestamp: T0 + 51 * 60_000 + 1 },
    { kind: 'step_failed', jobId: 'job', stepId: 's0', error: 'TimeoutError: gave up', timestamp: T0 + 51 * 60_000 + 5 },
    { kind: 'error', runId: 'bad', timestamp: T0 + 51 * 60_000 + 10 },
  ].map((e) => JSON.stringify(e)).join('\n');
  assert.equal((await sidecar.post(failing, '/events?source=engine')).status, 202);
  await page.waitForFunction(() => !document.querySelector('#announce').hidden, null, { timeout: 15000 });
  assert.equal(await page.textContent('#announce'), 'New failure: wf-bad');
  await page.click('#announce button');
  await page.waitForFunction(() => document.querySelector('#run-title')?.textContent === 'wf-bad');
  assert.match(await page.textContent('.why-message'), /TimeoutError: gave up/);
  assert.equal((await listed(page))[0], 'bad');

  // A reload shows them all again, without waiting for an event.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('#runs .run').length === 52, null, { timeout: 15000 });
  assert.deepEqual(problems, []);
  await page.close();
  assert.equal((await sidecar.stop()).code, 0);
});
