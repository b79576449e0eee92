// Share links carry the log: a link copied after picking each sample (from
// the Samples menu, the default page first) reopens the same log on the same
// run and step; a link whose run the loaded log does not have says so
// instead of silently showing another run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, newPage } from './browser.mjs';

let ctx;
before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

async function ready(page, source) {
  await page.waitForFunction((src) => document.body.dataset.state === 'ready'
    && document.querySelector('#source').textContent === src, source, { timeout: 20000 });
}
const view = (page) => page.evaluate(() => ({
  source: document.querySelector('#source').textContent,
  run: document.querySelector('#run-title')?.textContent,
  step: document.querySelector('#detail-title')?.textContent,
  warning: document.querySelector('#link-warning').hidden ? null : document.querySelector('#link-warning').textContent,
}));

// Per sample: a step to select other than the one selected at load.
const PICKS = {
  'samples/swamp-deploy.ndjson': ['deploy-fleet', 'compile'],
  'samples/orchestrator-build.ndjson': ['web-shop', 'checkout'],
  'samples/tasker-checkout.ndjson': ['checkout', 'validate_cart'],
  'samples/github-actions-ci.ndjson': [null, null],
};

test('a link copied after picking each sample reopens the same log, run and step', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await ready(page, 'samples/swamp-deploy.ndjson');
  for (const [src, [, stepName]] of Object.entries(PICKS)) {
    await page.selectOption('#sample', src);
    await ready(page, src);
    if (stepName) {
      await page.click(`.tl-row:has(.name:text-is("${stepName}"))`);
      await page.waitForFunction((n) => document.querySelector('#detail-title')?.textContent === n, stepName);
    }
    const link = page.url();
    assert.equal(new URL(link).searchParams.get('src'), src, 'the log is in the link');
    const before = await view(page);
    const other = await newPage(ctx);
    await other.page.goto(link);
    await ready(other.page, src);
    assert.deepEqual(await view(other.page), before, src);
    assert.equal(before.warning, null);
    assert.deepEqual(other.problems, []);
    await other.page.close();
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('a link to a run the log does not have says so; a file leaves no src behind', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/tasker-checkout.ndjson#run=run-7f3a&step=run-7f3a%7Cbuild%2Fcompile`);
  await ready(page, 'samples/tasker-checkout.ndjson');
  const v = await view(page);
  assert.equal(v.run, 'checkout');
  assert.match(v.warning, /^The link's run run-7f3a is not in samples\/tasker-checkout\.ndjson: showing another run\./);
  await page.setInputFiles('#file', { name: 'mine.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from('{"event":"job.lifecycle.enqueue","job_id":"x","timestamp":0}\n') });
  await ready(page, 'mine.ndjson');
  assert.equal(new URL(page.url()).searchParams.get('src'), null);
  assert.deepEqual(problems, []);
  await page.close();
});
