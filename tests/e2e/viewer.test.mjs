// The run viewer in real headless Chromium: every bundled sample through every
// loading path, what a person sees (runs, steps, statuses, the selected first
// failure, the detail panel), hostile names, deep links, keyboard navigation,
// a 100,000-event log, and screenshots under test-results/screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';
import { swampStream } from '../../bench/generate.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const sample = (name) => readFileSync(join(ROOT, 'www', 'samples', name), 'utf8');
let ctx;

before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

const SAMPLES = {
  'swamp-deploy.ndjson': {
    runs: ['deploy-fleet', 'notify'],
    title: 'deploy-fleet',
    rows: ['build', 'compile', 'lint', 'deploy', 'rollout-us:east', 'rollout-eu-west', 'verify', 'notify', 'deploy', 'rollout-us:east', 'smoke-test'],
    statuses: { compile: 'completed', lint: 'failed', 'rollout-eu-west': 'failed', verify: 'failed', 'smoke-test': 'cancelled' },
    selected: 'rollout-eu-west',
    error: 'Deployment of <REDACTED> timed out after 30s',
  },
  'orchestrator-build.ndjson': {
    runs: ['web-shop'],
    title: 'web-shop',
    rows: ['checkout', 'compile-frontend', 'compile-backend', 'unit-tests'],
    statuses: { checkout: 'completed', 'compile-backend': 'panicked', 'unit-tests': 'failed' },
    selected: 'compile-backend',
    error: "thread 'main' panicked at 'index out of bounds', src/linker.rs:88",
  },
  'tasker-checkout.ndjson': {
    runs: ['checkout'],
    title: 'checkout',
    rows: ['validate_cart', 'reserve_inventory', 'charge_payment', 'send_confirmation'],
    statuses: { charge_payment: 'completed', send_confirmation: 'completed' },
    // No step failed: the bottleneck is selected, showing its failed first attempt.
    selected: 'charge_payment',
    error: 'Payment gateway timeout after 10000ms (POST /v1/charges)',
  },
};

async function loaded(page, source) {
  await page.waitForFunction((src) => document.body.dataset.state === 'ready'
    && document.querySelector('#source').textContent === src, source, { timeout: 20000 });
}

async function seen(page) {
  return page.evaluate(() => ({
    runs: [...document.querySelectorAll('#runs .run-name')].map((n) => n.textContent),
    title: document.querySelector('#run-title')?.textContent,
    rows: [...document.querySelectorAll('.tl-row .name')].map((n) => n.firstChild.textContent),
    statuses: Object.fromEntries([...document.querySelectorAll('.tl-row.kind-step')].map((r) => [r.querySelector('.name').textContent, r.dataset.status])),
    selected: document.querySelector('.tl-row.selected .name')?.textContent,
    detailTitle: document.querySelector('#detail-title')?.textContent,
    error: document.querySelector('#detail .error-box p')?.textContent,
    hash: location.hash,
  }));
}

function check(got, want, how) {
  assert.deepEqual(got.runs, want.runs, `${how}: runs`);
  assert.equal(got.title, want.title, `${how}: summary title`);
  assert.deepEqual(got.rows, want.rows, `${how}: timeline rows`);
  for (const [name, status] of Object.entries(want.statuses)) assert.equal(got.statuses[name], status, `${how}: status of ${name}`);
  assert.equal(got.selected, want.selected, `${how}: selected first failure`);
  assert.equal(got.detailTitle, want.selected, `${how}: detail panel`);
  assert.equal(got.error, want.error, `${how}: error in the detail panel`);
}

for (const [file, want] of Object.entries(SAMPLES)) {
  test(`${file} through ?src=, the file picker, drag and drop and paste`, async () => {
    const { page, problems } = await newPage(ctx);
    const text = sample(file);
    await page.goto(`${ctx.base}/?src=samples/${file}`);
    await loaded(page, `samples/${file}`);
    check(await seen(page), want, '?src=');
    await page.screenshot({ path: join(SCREENSHOTS, `viewer-${file.replace('.ndjson', '')}.png`) });

    await page.setInputFiles('#file', { name: `picked-${file}`, mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
    await loaded(page, `picked-${file}`);
    check(await seen(page), want, 'file picker');

    const dt = await page.evaluateHandle(([t, name]) => {
      const d = new DataTransfer();
      d.items.add(new File([t], name, { type: 'application/x-ndjson' }));
      return d;
    }, [text, `dropped-${file}`]);
    await page.dispatchEvent('body', 'dragenter', { dataTransfer: dt });
    assert.ok(await page.evaluate(() => document.body.classList.contains('dropping')), 'drop overlay shown');
    await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
    await loaded(page, `dropped-${file}`);
    check(await seen(page), want, 'drag and drop');

    await page.click('#paste-open');
    await page.fill('#paste-text', text);
    await page.click('#paste-load');
    await loaded(page, 'pasted text');
    check(await seen(page), want, 'paste');
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('a JSON array of events loads like NDJSON, and rejected lines are listed', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const events = sample('orchestrator-build.ndjson').trim().split('\n').map((l) => JSON.parse(l));
  await page.setInputFiles('#file', { name: 'array.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(events)) });
  await loaded(page, 'array.json');
  check(await seen(page), SAMPLES['orchestrator-build.ndjson'], 'JSON array');
  const broken = `${sample('tasker-checkout.ndjson').trimEnd()}\nnot json\n{"event":"task.completed"}\n`;
  await page.setInputFiles('#file', { name: 'broken.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(broken) });
  await loaded(page, 'broken.ndjson');
  const rejected = await page.textContent('#rejected');
  assert.match(rejected, /2 lines rejected, 33 accepted/);
  assert.match(rejected, /line 34: invalid JSON/);
  assert.match(rejected, /line 35: task_id: missing/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('hostile names render literally and execute nothing', async () => {
  const { page, problems } = await newPage(ctx);
  const response = await page.goto(`${ctx.base}/?src=samples/hostile-names.ndjson`);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(response.headers()['content-security-policy'], /unsafe-inline/);
  await loaded(page, 'samples/hostile-names.ndjson');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  const got = await seen(page);
  assert.deepEqual(got.runs, ['</script><script>window.__pwned=1</script>', 'javascript:alert(1)']);
  assert.equal(got.title, '</script><script>window.__pwned=1</script>');
  assert.equal(got.detailTitle, '<b onmouseover=window.__pwned=3>bold</b>');
  assert.match(got.error, /^<img src=x onerror="window.__pwned=5"> & "quotes" 'single'$/);
  const injected = await page.evaluate(() => document.querySelectorAll('main img, main script, main iframe, main svg, main b, main style, aside img, aside b, aside iframe').length);
  assert.equal(injected, 0);
  await page.hover('.tl-row.selected');
  await page.click('#runs .run:nth-of-type(1)');
  await page.click('#runs li:nth-child(2) .run');
  await page.waitForFunction(() => document.querySelector('#run-title').textContent === 'javascript:alert(1)');
  assert.equal(await page.textContent('#detail-title'), "{{constructor.constructor('window.__pwned=8')()}}");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).display), 'flex', 'an injected <style> did not apply');
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-hostile.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a deep link restores run, step, filters and zoom', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/swamp-deploy.ndjson`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  await page.click('.tl-row[data-key="run-7f3a|build/compile"]');
  await page.click('#zoom-in');
  await page.click('#zoom-in');
  await page.click('#crit');
  await page.fill('#text-filter', 'deploy');
  const link = await page.evaluate(() => location.href);
  assert.match(link, /step=run-7f3a%7Cbuild%2Fcompile/);
  assert.match(link, /zoom=-?\d+%2C\d+/);
  assert.match(link, /crit=1/);
  assert.match(link, /q=deploy/);
  const ruler = await page.$$eval('.tick', (t) => t.map((x) => x.textContent));
  const second = await newPage(ctx);
  await second.page.goto(link);
  await loaded(second.page, 'samples/swamp-deploy.ndjson');
  const got = await seen(second.page);
  assert.equal(got.selected, 'compile');
  assert.equal(got.detailTitle, 'compile');
  assert.deepEqual(got.runs, ['deploy-fleet'], 'the text filter hides the other run');
  assert.equal(await second.page.inputValue('#text-filter'), 'deploy');
  assert.equal(await second.page.getAttribute('#crit', 'aria-pressed'), 'true');
  assert.deepEqual(await second.page.$$eval('.tick', (t) => t.map((x) => x.textContent)), ruler, 'same zoom');
  await second.page.screenshot({ path: join(SCREENSHOTS, 'viewer-deep-link.png') });
  assert.deepEqual([...problems, ...second.problems], []);
  await page.close();
  await second.page.close();
});

test('keyboard: rows, expand/collapse, zoom; visible focus', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/swamp-deploy.ndjson`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  await page.focus('.tl-scroll');
  await page.keyboard.press('Home');
  assert.equal(await page.textContent('.tl-row.selected .name'), 'build · 2');
  await page.keyboard.press('ArrowDown');
  assert.equal((await seen(page)).selected, 'compile');
  assert.equal(await page.textContent('#detail-title'), 'compile');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  const rows = (await seen(page)).rows;
  assert.deepEqual(rows.slice(0, 2), ['build', 'deploy'], 'the build group collapsed');
  await page.keyboard.press('Enter');
  assert.equal((await seen(page)).rows[1], 'compile', 'and expanded again');
  const before = await page.$$eval('.tick', (t) => t.map((x) => x.textContent));
  await page.keyboard.press('+');
  const after = await page.$$eval('.tick', (t) => t.map((x) => x.textContent));
  assert.notDeepEqual(after, before, 'zoomed in');
  const outline = await page.$eval('.tl-row.selected', (r) => getComputedStyle(r).boxShadow);
  assert.notEqual(outline, 'none', 'the selected row shows focus');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a 100,000-event log loads in a worker with progress, and the page stays responsive', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const lines = swampStream({ runs: 420, steps: 50, seed: 7 });
  assert.ok(lines.length >= 100_000, `${lines.length} events`);
  const text = lines.slice(0, 100_000).join('\n');
  await page.evaluate(() => {
    window.__frames = 0;
    window.__sawProgress = false;
    const tick = () => { window.__frames += 1; if (!document.querySelector('#progress').hidden) window.__sawProgress = true; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.setInputFiles('#file', { name: 'big.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await loaded(page, 'big.ndjson');
  const { frames, sawProgress } = await page.evaluate(() => ({ frames: window.__frames, sawProgress: window.__sawProgress }));
  assert.ok(sawProgress, 'the progress indicator was shown');
  assert.ok(frames > 5, `the page kept painting while parsing (${frames} frames)`);
  assert.match(await page.textContent('#load-status'), /^\d+ runs from 100000 events/);
  assert.ok((await page.$$('#runs .run')).length > 100);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a load overtaken by a newer one changes nothing: the newer log, its details and exports', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const big = swampStream({ runs: 200, steps: 50, seed: 11 }).join('\n');
  // Two loads in quick succession: however the worker interleaves them, the
  // page ends with the newer log, and answers from its model.
  await page.setInputFiles('#file', { name: 'big.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(big) });
  await page.setInputFiles('#file', { name: 'tasker.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(sample('tasker-checkout.ndjson')) });
  await loaded(page, 'tasker.ndjson');
  // Give an overtaken parse time to finish, had it been going to land.
  await page.waitForTimeout(1500);
  const want = SAMPLES['tasker-checkout.ndjson'];
  check(await seen(page), want, 'after the overtaken load');
  assert.equal(await page.textContent('#source'), 'tasker.ndjson');
  assert.match(await page.textContent('#load-status'), /^1 run from \d+ events/);
  // Details still come from the tasker model: another step's transitions.
  await page.click('.tl-row.kind-step:has-text("validate_cart")');
  await page.waitForFunction(() => document.querySelector('#detail-title')?.textContent === 'validate_cart'
    && !document.querySelector('#detail .d-pending'), null, { timeout: 10000 });
  assert.match(await page.textContent('#detail'), /Transitions \(\d+\)/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('dark mode follows the system setting', async () => {
  const page = await ctx.browser.newPage({ colorScheme: 'dark' });
  await page.goto(`${ctx.base}/?src=samples/orchestrator-build.ndjson`);
  await loaded(page, 'samples/orchestrator-build.ndjson');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(13, 17, 23)');
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-dark.png') });
  await page.close();
});

test('a slow-step threshold marks steps over it and survives in the link', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/swamp-deploy.ndjson`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  assert.equal(await page.$$eval('.tl-row .thresh', (n) => n.length), 0);
  await page.fill('#threshold', '5');
  await page.press('#threshold', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('.tl-row .thresh').length > 0);
  const marked = await page.$$eval('.tl-row', (rows) => rows.filter((r) => r.querySelector('.thresh')).map((r) => r.querySelector('.name').textContent));
  assert.deepEqual(marked, ['rollout-us:east', 'rollout-eu-west']);
  assert.match(await page.evaluate(() => location.hash), /thr=5/);
  assert.equal((await seen(page)).selected, 'rollout-eu-west', 'the selection is kept across the re-read');
  assert.deepEqual(problems, []);
  await page.close();
});

test('exports download child entries, OTLP traces, Prometheus metrics and lifecycle logs', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/?src=samples/swamp-deploy.ndjson`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const grab = async (kind) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.selectOption('#export', kind)]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  };
  const entries = await grab('entries');
  assert.equal(entries.name, 'child-entries.ndjson');
  assert.equal(entries.text.trim().split('\n').length, 7);
  assert.ok(entries.text.includes('"<REDACTED>"'));
  const traces = await grab('traces');
  assert.equal(traces.name, 'otlp-traces.json');
  assert.ok(JSON.parse(traces.text).resourceSpans[0].scopeSpans[0].spans.length > 5);
  const jsonl = await grab('jsonl');
  assert.equal(jsonl.text.trim().split('\n').length, 1, 'one trace: the root run with its nested run');
  const metrics = await grab('metrics');
  assert.match(metrics.text, /^# TYPE workflow_runs_total counter$/m);
  const logs = await grab('logs');
  assert.ok(logs.text.trim().split('\n').every((l) => JSON.parse(l).correlation_id));
  const logfmt = await grab('logfmt');
  assert.match(logfmt.text, /^timestamp=/);
  for (const f of [entries, traces, jsonl, metrics, logs, logfmt]) assert.ok(!f.text.includes('fleet-api'), `${f.name} leaks a model name`);
  assert.deepEqual(problems, []);
  await page.close();
});
