// The viewer following a live Server-Sent Events stream (the sidecar's
// /events/stream contract: one event JSON per `data:` message), served from
// the page's own origin by a stub endpoint in this test: events go into the
// model as one stream, a quiet unfinished run shows as stalled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const lines = readFileSync(join(ROOT, 'www', 'samples', 'orchestrator-build.ndjson'), 'utf8').trim().split('\n');
const clients = new Set();
let ctx;

before(async () => {
  ctx = await openBrowser({
    extra(req, res) {
      if (!req.url.startsWith('/events/stream')) return false;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return true;
    },
  });
});
after(async () => {
  for (const c of clients) c.end();
  await ctx?.close();
});

function push(events) {
  for (const c of clients) for (const e of events) c.write(`data: ${e}\n\n`);
}

test('the viewer follows a live stream and refreshes in place', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?live=/events/stream`);
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('Live: connected'), null, { timeout: 10000 });
  assert.equal(clients.size, 1);
  push(lines.slice(0, 6)); // enqueue, start, 4 spawns
  await page.waitForFunction(() => document.querySelectorAll('.tl-row').length === 4, null, { timeout: 10000 });
  assert.equal(await page.textContent('#run-title'), 'web-shop');
  assert.match(await page.textContent('#runs'), /running/);
  push(lines.slice(6)); // results and the job's failure
  await page.waitForFunction(() => document.querySelector('#runs .badge')?.textContent.includes('failed'), null, { timeout: 10000 });
  assert.match(await page.textContent('#load-status'), /^Live: 11 events from \/events\/stream/);
  const statuses = await page.$$eval('.tl-row', (rows) => rows.map((r) => r.dataset.status));
  assert.deepEqual(statuses, ['completed', 'completed', 'panicked', 'failed']);
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-live.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('live: a quiet unfinished run is marked stalled, rejected events keep their stream line numbers', async () => {
  const { page, problems } = await newPage(ctx);
  // `stall=1`: stalled after a second without events (the default is 15 minutes).
  await page.goto(`${ctx.base}/?live=/events/stream&stall=1`);
  await page.waitForFunction(() => document.querySelector('#load-status').textContent.startsWith('Live: connected'), null, { timeout: 10000 });
  // No timestamps: the model stamps each event with its arrival.
  const e = (o) => JSON.stringify(o);
  push([
    e({ kind: 'started', runId: 'quiet-1', workflowName: 'quiet' }),
    e({ kind: 'step_started', jobId: 'main', stepId: 'wait' }),
    e({ kind: 'method_executing', jobId: 'main', stepId: 'wait', modelName: 'm', methodName: 'run' }),
    'not json',
  ]);
  // The page takes pushed lines in 500 ms batches: the title (line 1) can show
  // before line 4 is read, so wait for the count of all four.
  await page.waitForFunction(() => /1 line rejected, 3 accepted/.test(document.querySelector('#rejected')?.textContent ?? ''), null, { timeout: 10000 });
  assert.equal(await page.textContent('#run-title'), 'quiet');
  assert.match(await page.textContent('#rejected'), /line 4: invalid JSON/);
  await page.waitForSelector('#runs .run.stalled .stalled-note', { timeout: 10000 });
  assert.match(await page.textContent('#runs .stalled-note'), /^◔ stalled · no event for \d+(\.\d+)? s$/);
  assert.match(await page.textContent('#summary .chip-stalled'), /^◔ stalled · no event for /);
  assert.match(await page.textContent('#summary'), /Last event\d{4}-\d\d-\d\d /);
  assert.match(await page.textContent('#runs .badge'), /running/);
  await page.selectOption('#status-filter', 'stalled');
  assert.equal((await page.$$('#runs .run')).length, 1);
  await page.selectOption('#status-filter', 'all');
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-live-stalled.png') });
  // It hears again and ends: no longer stalled. A later bad line is numbered in the whole stream.
  push([
    e({ kind: 'step_completed', jobId: 'main', stepId: 'wait' }),
    '{"kind":',
    e({ kind: 'completed', runId: 'quiet-1' }),
  ]);
  await page.waitForFunction(() => document.querySelector('#runs .badge')?.textContent.includes('completed'), null, { timeout: 10000 });
  assert.equal(await page.$('#runs .stalled-note'), null);
  assert.equal(await page.$('#summary .chip-stalled'), null);
  assert.match(await page.textContent('#rejected'), /2 lines rejected, 5 accepted/);
  assert.match(await page.textContent('#rejected'), /line 6: invalid JSON/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a cross-origin stream is refused', async () => {
  const { page } = await newPage(ctx);
  await page.goto(`${ctx.base}/?live=http://example.invalid/events/stream`);
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  assert.match(await page.textContent('#load-status'), /only same-origin streams/);
  await page.close();
});
