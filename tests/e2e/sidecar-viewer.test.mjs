// The viewer as the package ships it, served by `workflow-telemetry serve`
// from the installed tarball: its bare address opens the viewer on the live
// stream, events POSTed to the sidecar appear in the page, and exports work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, newPage, SCREENSHOTS } from './browser.mjs';
import { cleanup, install, sample, serve, tempDir } from '../sidecar/helpers.mjs';

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

test('the sidecar serves the packaged viewer, which follows its live stream', async () => {
  const sidecar = await serve(pkg, ['--spool', tempDir()]);
  const root = await fetch(`${sidecar.url}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/?live=/events/stream&runs=/runs');
  const html = await fetch(`${sidecar.url}/?live=/events/stream`);
  assert.match(html.headers.get('content-security-policy'), /script-src 'self'/);
  const wasm = await fetch(`${sidecar.url}/pkg/dist/web/workflow_telemetry_bg.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  for (const path of ['/pkg/package.json', '/pkg/sidecar/main.mjs', '/pkg/dist/node/workflow_telemetry.js', '/..%2fpackage.json']) {
    assert.equal((await fetch(sidecar.url + path)).status, 404, path);
  }

  const { page, problems } = await newPage({ browser, base: sidecar.url });
  await page.goto(`${sidecar.url}/`);
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('Live: connected'), null, { timeout: 10000 });
  const lines = sample('orchestrator-build.ndjson').trim().split('\n');
  assert.equal((await sidecar.post(lines.slice(0, 6).join('\n'))).status, 202);
  await page.waitForFunction(() => document.querySelectorAll('.tl-row').length === 4, null, { timeout: 10000 });
  assert.equal(await page.textContent('#run-title'), 'web-shop');
  assert.equal((await sidecar.post(lines.slice(6).join('\n'))).status, 202);
  await page.waitForFunction(() => document.querySelector('#runs .badge')?.textContent.includes('failed'), null, { timeout: 10000 });
  const statuses = await page.$$eval('.tl-row', (rows) => rows.map((r) => r.dataset.status));
  assert.deepEqual(statuses, ['completed', 'completed', 'panicked', 'failed']);
  await page.screenshot({ path: join(SCREENSHOTS, 'sidecar-viewer.png') });
  assert.deepEqual(problems, []);
  await page.close();
  assert.equal((await sidecar.stop()).code, 0);
});

test('the live page keeps two producers apart, as the sidecar does', async () => {
  const sidecar = await serve(pkg, ['--spool', tempDir()]);
  const { page, problems } = await newPage({ browser, base: sidecar.url });
  await page.goto(`${sidecar.url}/`);
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('Live: connected'), null, { timeout: 10000 });
  const t0 = Date.parse('2026-03-01T10:00:00.000Z');
  const ev = (o, t) => JSON.stringify({ ...o, timestamp: t0 + t });
  // Two engines, their runs overlapping in time, each posting on its source.
  const a = [{ kind: 'started', runId: 'a1', workflowName: 'wf-a' }, { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' },
    { kind: 'step_completed', jobId: 'j', stepId: 's' }, { kind: 'completed', runId: 'a1' }];
  const b = [{ kind: 'started', runId: 'b1', workflowName: 'wf-b' }, { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' },
    { kind: 'step_completed', jobId: 'j', stepId: 's' }, { kind: 'completed', runId: 'b1' }];
  for (let i = 0; i < 4; i++) {
    assert.equal((await sidecar.post(ev(a[i], i * 10), '/events?source=engine-a')).status, 202);
    assert.equal((await sidecar.post(ev(b[i], i * 10 + 5), '/events?source=engine-b')).status, 202);
  }
  await page.waitForFunction(() => document.querySelectorAll('#runs li').length === 2
    && [...document.querySelectorAll('#runs .badge')].every((x) => x.textContent.includes('completed')), null, { timeout: 10000 });
  const runs = await sidecar.json('/runs?order=oldest');
  assert.deepEqual(runs.runs.map((r) => [r.id, r.status, r.source]), [['a1', 'completed', 'engine-a'], ['b1', 'completed', 'engine-b']]);
  assert.deepEqual(problems, []);
  await page.close();
  assert.equal((await sidecar.stop()).code, 0);
});

test('--no-viewer serves the API only', async () => {
  const sidecar = await serve(pkg, ['--spool', tempDir(), '--no-viewer']);
  assert.equal((await fetch(`${sidecar.url}/`, { redirect: 'manual' })).status, 404);
  assert.equal((await fetch(`${sidecar.url}/js/app.js`)).status, 404);
  assert.equal((await fetch(`${sidecar.url}/metrics`)).status, 200);
  assert.equal((await sidecar.stop()).code, 0);
});
