// "Why did it fail" at 2 AM, in headless Chromium: the banner on each
// sample's failed run (the first failure that was not allowed, its type,
// class and message, the run's own reason after it, what ran), none on a
// run that completed; the step's output in the detail panel; `n` walking the
// failures; `?` for the keys; search by error text. Expected texts are
// written from the samples by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, newPage } from './browser.mjs';

let ctx;
before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

async function open(page, sample) {
  await page.goto(`${ctx.base}/?src=samples/${sample}`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20000 });
}

const banner = (page) => page.$eval('#summary', (n) => {
  const why = n.querySelector('.why');
  return why && {
    step: why.querySelector('.why-step')?.textContent,
    type: why.querySelector('.why-type')?.textContent,
    message: why.querySelector('.why-message')?.textContent,
    ran: why.querySelector('.why-ran')?.textContent,
    text: why.textContent,
    first: n.firstElementChild === why,
  };
});
const selected = (page) => page.$eval('#detail-title', (n) => n.textContent);

test('the banner says why each sample run failed, first on screen; none on a completed run', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  await page.waitForFunction(() => document.querySelector('.why-ran')?.textContent !== '');
  const swamp = await banner(page);
  assert.equal(swamp.first, true, 'above the summary');
  assert.equal(swamp.step, '✗ deploy / rollout-eu-west');
  assert.equal(swamp.type, ' · TimeoutError · method');
  assert.equal(swamp.message, 'Deployment of <REDACTED> timed out after 30s');
  assert.match(swamp.text, /then the run: cancellation: cancelled: Workflow run cancelled by user/);
  assert.equal(swamp.ran, 'method deploy · model type aws/ecs · driver docker');

  await open(page, 'orchestrator-build.ndjson');
  const orch = await banner(page);
  assert.equal(orch.step, '✸ compile-backend');
  assert.equal(orch.type, ' · panic');
  assert.equal(orch.message, "thread 'main' panicked at 'index out of bounds', src/linker.rs:88");
  assert.match(orch.text, /then the run: panic: 2 of 4 modules failed/);

  for (const completed of ['tasker-checkout.ndjson', 'github-actions-ci.ndjson']) {
    await open(page, completed);
    assert.equal(await banner(page), null, completed);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('hostile names in the banner are text, never markup', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'hostile-names.ndjson');
  const b = await banner(page);
  assert.match(b.step, /<img src=x onerror="window.__pwned=2">/);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.$$eval('.why img, .why svg, .why b', (n) => n.length), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the banner\'s step opens it; a step\'s output is in its detail panel, redacted', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  await page.click('#runs .run[data-run="run-7f3a"]');
  await page.click('.tl-row[data-key="run-7f3a|build/compile"]');
  await page.waitForFunction(() => document.querySelector('#detail pre.output'));
  assert.equal(await page.textContent('#detail pre.output'), 'compiling with token=[REDACTED]');
  assert.equal(await page.$eval('#detail pre.output mark.redacted', (m) => m.textContent), '[REDACTED]');
  assert.ok(!(await page.content()).includes('ghp_s3cr3t'));
  await page.click('.why-step');
  await page.waitForFunction(() => document.querySelector('#detail-title')?.textContent === 'rollout-eu-west');
  assert.match(location(await page.url()), /step=run-7f3a%7Cdeploy%2Frollout-eu-west/);
  assert.deepEqual(problems, []);
  await page.close();
});

const location = (url) => new URL(url).hash;

test('n walks the failures that were not allowed, in time order, and comes round; ? shows the keys', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  assert.equal(await selected(page), 'rollout-eu-west');
  const seen = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('n');
    seen.push(await selected(page));
  }
  assert.deepEqual(seen, ['verify', 'notify', 'rollout-eu-west'], 'lint is an allowed failure: skipped');
  await page.keyboard.press('?');
  const help = await page.$eval('#key-help', (d) => ({ open: d.open, keys: [...d.querySelectorAll('kbd')].map((k) => k.textContent) }));
  assert.equal(help.open, true);
  assert.ok(help.keys.includes('n') && help.keys.includes('?') && help.keys.includes('/'));
  await page.keyboard.press('Escape');
  assert.equal(await page.$eval('#key-help', (d) => d.open), false);
  assert.deepEqual(problems, []);
  await page.close();
});

test('search by error text or error type finds the run it ended', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  for (const q of ['timed out', 'TimeoutError', 'cancelled by user']) {
    await page.fill('#text-filter', q);
    assert.deepEqual(await page.$$eval('#runs .run', (r) => r.map((x) => x.dataset.run)), ['run-7f3a'], q);
  }
  await page.fill('#text-filter', 'no such error anywhere');
  assert.equal(await page.textContent('#runs'), 'No run matches the filter.');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a retried step: its attempts drawn apart, with a count by its name', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'tasker-checkout.ndjson');
  const row = '.tl-row[data-key$="|charge_payment"]';
  assert.equal(await page.textContent(`${row} .attempts-count`), ' ×2');
  const bars = await page.$$eval(`${row} .attempt`, (b) => b.map((x) => x.title));
  assert.deepEqual(bars.map((t) => t.split(':')[0]), ['attempt 1', 'attempt 2']);
  assert.match(bars[0], /^attempt 1: failed/);
  assert.match(bars[1], /^attempt 2: completed/);
  assert.equal(await page.$('.tl-row[data-key$="|validate_cart"] .attempts-count'), null);
  assert.deepEqual(problems, []);
  await page.close();
});

test('search by error text highlights the steps it matches', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  await page.fill('#text-filter', 'timed out');
  await page.waitForFunction(() => document.querySelectorAll('.tl-row.match').length > 0);
  assert.deepEqual(await page.$$eval('.tl-row.match', (r) => r.map((x) => x.dataset.key)), ['run-7f3a|deploy/rollout-eu-west']);
  await page.fill('#text-filter', 'rollout');
  const matched = await page.$$eval('.tl-row.match .name', (n) => n.map((x) => x.textContent));
  assert.ok(matched.length >= 2 && matched.every((n) => n.startsWith('rollout')), matched.join());
  await page.fill('#text-filter', '');
  assert.equal(await page.$$eval('.tl-row.match', (r) => r.length), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the critical path accounts for the whole run; truncated names have their full text as a tooltip', async () => {
  const { page, problems } = await newPage(ctx);
  await open(page, 'swamp-deploy.ndjson');
  // compile 10:00:00.020-04.250, rollout-eu-west 05.230-35.230, the run 00.000-40.000.
  assert.equal(await page.textContent('.critical-line'),
    "Critical path (2 steps) over the run's 40.0 s: steps 34.2 s · before the first step 20 ms · between steps 980 ms · after the last step 4.77 s");
  assert.equal(await page.$eval('.tl-row[data-key="run-7f3a|deploy/rollout-us:east"] .name', (n) => n.title), 'rollout-us:east');
  assert.equal(await page.$eval('#runs .run[data-run="run-7f3a"] .run-name', (n) => n.title), 'deploy-fleet');
  assert.deepEqual(problems, []);
  await page.close();
});
