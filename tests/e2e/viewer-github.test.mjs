// The GitHub Actions sample in the viewer: one run, its two jobs with their
// steps, the test job's failed step in its first attempt and its re-run as
// a second attempt bar, all in a real headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';

let ctx;
before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

test('GitHub Actions: jobs, steps, a failed step and a re-run attempt', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/github-actions-ci.ndjson`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20000 });
  const got = await page.evaluate(() => ({
    title: document.querySelector('#run-title')?.textContent,
    jobs: [...document.querySelectorAll('.tl-row.kind-job .name')].map((n) => n.firstChild.textContent),
    steps: [...document.querySelectorAll('.tl-row.kind-step')].map((r) => [r.querySelector('.name').textContent, r.dataset.status]),
    npmTest: [...document.querySelectorAll('.tl-row.kind-step')]
      .filter((r) => r.querySelector('.name').textContent === 'npm test')
      .map((r) => [...r.querySelectorAll('.bar.attempt')].map((b) => [...b.classList].find((c) => c.startsWith('status-')))),
  }));
  assert.equal(got.title, 'CI');
  assert.deepEqual(got.jobs, ['build', 'test (ubuntu-latest, 20)']);
  assert.deepEqual(got.steps.map(([name]) => name), [
    'Set up job', 'Run actions/checkout@v4', 'npm ci', 'npm run build', 'Complete job',
    'Set up job', 'Run actions/checkout@v4', 'npm ci', 'npm test', 'Upload coverage', 'Complete job',
  ]);
  assert.ok(got.steps.every(([, status]) => status === 'completed'), JSON.stringify(got.steps));
  // The test job's npm test: failed in attempt 1, passed in the re-run.
  assert.deepEqual(got.npmTest, [['status-failed', 'status-completed']]);
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-github-actions.png') });
  assert.deepEqual(problems, []);
  await page.close();
});
