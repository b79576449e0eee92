// The demo page in real headless Chromium: the browser entry loads, the bundled
// sample goes through the bridge, and what a person sees is right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
let ctx;

before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

async function rows(page) {
  return page.$$eval('#entries tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
}

test('the demo page loads the sample through the wasm bridge', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  const got = await rows(page);
  assert.equal(got.length, 7);
  assert.deepEqual(got.map((r) => [r[0], r[2], r[3], r[4], r[5]]), [
    ['✓ success', 'build', 'compile', 'run', '4200 ms'],
    ['✗ error', 'build', 'lint', 'check', '790 ms'],
    ['✗ error', 'deploy', 'rollout-eu-west', 'deploy', '30000 ms'],
    ['✓ success', 'deploy', 'rollout-us:east', 'deploy', '7490 ms'],
    ['⚠ user_error', 'deploy', 'verify', 'probe', '0 ms'],
    ['✓ success', 'deploy', 'rollout-us:east', 'post', '490 ms'],
    ['✗ error', 'deploy', 'smoke-test', '<REDACTED>', '3900 ms'],
  ]);
  assert.equal(got[5][1], 'notify · run-nested-1');
  assert.match(await page.textContent('#status'), /25 events accepted, 0 rejected, 7 entries/);
  const html = await page.content();
  for (const secret of ['fleet-api', 'verify-model', 'ghp_s3cr3t']) {
    assert.ok(!(await page.textContent('#entries')).includes(secret), `${secret} in the table`);
  }
  assert.ok(html.length > 0);
  await page.screenshot({ path: join(SCREENSHOTS, 'demo-sample.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('pasted events with a hostile name render as text and run nothing', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await page.waitForSelector('body[data-ready="1"]');
  await page.evaluate(() => { window.__pwned = 0; });
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const text = [
    JSON.stringify({ kind: 'started', runId: 'r', workflowName: '</script><script>window.__pwned=2</script>' }),
    JSON.stringify({ kind: 'method_executing', jobId: hostile, stepId: 's', methodName: 'm', timestamp: 0 }),
    JSON.stringify({ kind: 'step_failed', jobId: hostile, stepId: 's', error: hostile, timestamp: 5 }),
    'not json',
  ].join('\n');
  await page.fill('#events', text);
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('1 rejected'));
  const got = await rows(page);
  assert.equal(got.length, 1);
  assert.equal(got[0][2], hostile);
  assert.equal(got[0][6], hostile);
  assert.equal(await page.$$eval('#entries img', (imgs) => imgs.length), 0);
  assert.equal(await page.evaluate(() => window.__pwned), 0);
  assert.match(await page.textContent('#errors'), /line 4: invalid JSON/);
  await page.screenshot({ path: join(SCREENSHOTS, 'demo-hostile.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('?src= loads a same-origin log; a file can be picked', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/swamp-deploy.ndjson`);
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await page.textContent('#source'), 'samples/swamp-deploy.ndjson');
  const sample = readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8');
  const oneStep = sample.split('\n').filter((l) => l.includes('"compile"') || l.includes('"started"')).join('\n');
  await page.setInputFiles('#file', { name: 'one.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(oneStep) });
  await page.waitForFunction(() => document.querySelector('#source').textContent === 'one.ndjson');
  const got = await rows(page);
  assert.deepEqual(got.map((r) => r[3]), ['compile']);
  assert.deepEqual(problems, []);
  await page.close();
});
