// workflow-telemetry/bridge in a real browser: the package directory served on
// loopback, the browser entry imported by Chromium, initialised by fetching its
// own wasm (and not the full one), giving the entries Node gives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openBrowser, newPage } from './browser.mjs';
import { replay } from './bridge-replay.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SAMPLE = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');
const full = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node.cjs'));

let ctx;
before(async () => {
  const helper = readFileSync(join(import.meta.dirname, 'bridge-replay.mjs'));
  ctx = await openBrowser({
    dir: join(ROOT, 'pkg'),
    extra(req, res) {
      if (req.url === '/favicon.ico') res.writeHead(204).end();
      else if (req.url === '/__test/bridge-replay.mjs') res.writeHead(200, { 'content-type': 'text/javascript' }).end(helper);
      else return false;
      return true;
    },
  });
});
after(() => ctx?.close());

test('Chromium loads workflow-telemetry/bridge with its own wasm and gets Node\'s entries', async () => {
  const { page, problems } = await newPage(ctx);
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  await page.goto(`${ctx.base}/package.json`);
  const got = await page.evaluate(async (text) => {
    const api = await import('/bridge.js');
    const { replay: inPage } = await import('/__test/bridge-replay.mjs');
    await api.init();
    return { out: inPage(api, text), runModel: typeof api.RunModel };
  }, SAMPLE);
  assert.equal(got.runModel, 'undefined');
  assert.equal(got.out, replay(full, SAMPLE));
  // Inside the NDJSON text of the result (escaped once more by JSON.stringify).
  assert.match(got.out, /\\"workflowName\\":\\"deploy-fleet\\"/);
  assert.deepEqual(wasm, ['/dist/web/workflow_telemetry_bridge_bg.wasm']);
  assert.deepEqual(problems, []);
});
