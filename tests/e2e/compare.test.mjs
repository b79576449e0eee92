// Compare a failed run with the last good run of its workflow, step by step,
// and the workflow's failure rate over the log, on a log written for it:
// nightly r1 completes (a, b, c), r2 fails (a much slower, b failed, c gone,
// d new), r3 completes like r1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, newPage } from './browser.mjs';

let ctx;
before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

const T0 = Date.UTC(2026, 1, 5, 10);
const lines = [];
const ev = (kind, ms, fields) => lines.push(JSON.stringify({ kind, ...fields, timestamp: T0 + ms }));
function run(id, t, steps, end = 'completed') {
  ev('started', t, { runId: id, workflowName: 'nightly' });
  for (const [name, ms, failed] of steps) {
    ev('method_executing', t + 1, { jobId: 'j', stepId: name, methodName: 'm' });
    if (failed) ev('step_failed', t + 1 + ms, { jobId: 'j', stepId: name, error: `${name} broke` });
    else ev('step_completed', t + 1 + ms, { jobId: 'j', stepId: name });
  }
  ev(end, t + 20_000, { runId: id });
}
run('r1', 0, [['a', 1000], ['b', 1000], ['c', 500]]);
run('r2', 60_000, [['a', 5000], ['b', 800, true], ['d', 100]], 'error');
run('r3', 120_000, [['a', 1000], ['b', 1000], ['c', 500]]);

test('a failed run compared with the last good run before it; the workflow\'s failure rate', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20000 });
  await page.setInputFiles('#file', { name: 'nightly.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.join('\n')) });
  await page.waitForFunction(() => document.querySelector('#source').textContent === 'nightly.ndjson' && document.body.dataset.state === 'ready');
  assert.equal(await page.$eval('#runs .run.selected', (r) => r.dataset.run), 'r2', 'the failed run is opened');
  assert.match(await page.textContent('.compare summary'), /^Compared with the last good run \(4 differences\): nightly · r1$/);
  const rows = await page.$$eval('.compare tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows, [
    ['j / a', 'slower', 'completed 5.00 s', 'completed 1.00 s'],
    ['j / b', 'failed', 'failed 800 ms', 'completed 1.00 s'],
    ['j / d', 'added', 'completed 100 ms', '—'],
    ['j / c', 'missing', '—', 'completed 500 ms'],
  ]);
  // Each run took 20 s, start to end.
  assert.equal(await page.textContent('.workflow-line'), 'Workflow nightly: 3 runs in this log, 1 failed (33%); ended runs took 20.0 s (p50), 20.0 s (p95)');
  await page.click('.compare summary button');
  await page.waitForFunction(() => document.querySelector('#runs .run.selected')?.dataset.run === 'r1');
  assert.equal(await page.$('.compare'), null, 'a completed run is not compared');
  assert.deepEqual(problems, []);
  await page.close();
});
