// The redaction property's last leg: secrets planted in a log of all three
// dialects (error text, reasons, filtered payload keys, a model named like a
// filtered key) never reach the viewer's DOM, whichever run and step is shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';

const S = (n) => `SEKRIT${n}x${(n * 7919).toString(36)}`;
const SECRETS = [1, 2, 3, 4, 5, 6, 7, 8].map(S);
const t = (s) => `2026-02-05T10:00:${String(s).padStart(2, '0')}.000Z`;
const LOG = [
  { kind: 'started', runId: 'r1', workflowName: 'deploy', timestamp: t(0) },
  { kind: 'method_executing', jobId: 'j', stepId: 'rotate', modelName: 'password', methodName: 'run', timestamp: t(1) },
  { kind: 'step_failed', jobId: 'j', stepId: 'rotate', error: `rejected password=${S(1)}`, timestamp: t(2) },
  { kind: 'method_executing', jobId: 'j', stepId: 'push', modelName: 'vault', methodName: 'run', timestamp: t(3) },
  { kind: 'step_failed', jobId: 'j', stepId: 'push', error: `upstream said token: ${S(2)}; retry`, timestamp: t(4) },
  { kind: 'completed', runId: 'r1', timestamp: t(5) },
  { event: 'job.lifecycle.enqueue', job_id: 'job-1', project_id: 'shop', status_from: 'Pending', status_to: 'Queued', reason: `api_key=${S(3)}`, timestamp: t(6) },
  { event: 'job.lifecycle.start', job_id: 'job-1', project_id: 'shop', status_from: 'Queued', status_to: 'Running', timestamp: t(7) },
  { event: 'job.module.spawn', job_id: 'job-1', module: 'tests', timestamp: t(8) },
  { event: 'job.module.error', job_id: 'job-1', module: 'tests', duration_ms: 900, error: `DB secret=${S(4)} rejected`, timestamp: t(9) },
  { event: 'task.initialize_requested', task_id: 7, task_name: 'checkout', timestamp: t(10), task_context: { cart: 'c1', api_token: S(5), nested: { password: S(6) } } },
  { event: 'step.initialize_requested', task_id: 7, step_id: 70, step_name: 'charge', timestamp: t(11) },
  { event: 'step.execution_requested', task_id: 7, step_id: 70, step_name: 'charge', timestamp: t(12), step_inputs: { card_token: S(7) } },
  { event: 'step.failed', task_id: 7, step_id: 70, step_name: 'charge', timestamp: t(13), error_message: `gateway: password=${S(8)}` },
].map((e) => JSON.stringify(e)).join('\n');

let ctx;
before(async () => {
  ctx = await openBrowser({
    extra(req, res) {
      if (req.url !== '/planted.ndjson') return false;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(LOG);
      return true;
    },
  });
});
after(async () => { await ctx?.close(); });

test('no planted secret reaches the DOM, for any run or step shown', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=/planted.ndjson`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20000 });
  const check = async (where) => {
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    for (const s of SECRETS) assert.ok(!html.includes(s), `${s} in the DOM (${where})`);
  };
  const runs = await page.$$eval('#runs .run', (els) => els.length);
  assert.ok(runs >= 3, `${runs} runs listed`);
  let shown = 0;
  for (let r = 0; r < runs; r++) {
    await page.locator('#runs .run').nth(r).click();
    const rows = await page.$$eval('.tl-row.kind-step', (els) => els.length);
    for (let i = 0; i < rows; i++) {
      await page.locator('.tl-row.kind-step').nth(i).click();
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 10000 });
      await check(`run ${r}, step ${i}`);
      shown += 1;
    }
  }
  assert.ok(shown >= 4, `${shown} steps shown`);
  assert.match(await page.evaluate(() => document.body.textContent), /\[REDACTED\]/, 'the masks are shown');
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-secrets.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
