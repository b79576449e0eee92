// The viewer on logs as they really come, in headless Chromium: many runs one
// after another, a JSON array, an engine that died mid-run (`abandoned`), and
// files of several MB read as byte streams in several chunks, whose rejected
// lines must carry their line numbers in the whole file. Through the worker,
// through `?src=` (text handed over in slices) and through the main-thread
// fallback (no Worker), which must give the same answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';
import { swampStream } from '../../bench/generate.mjs';

const T0 = Date.UTC(2026, 1, 5, 10);
const ev = (kind, ms, fields) => JSON.stringify({ kind, ...fields, timestamp: T0 + ms });
const started = (runId, workflowName, ms) => ev('started', ms, { runId, workflowName });
const stepStarted = (jobId, stepId, ms) => ev('step_started', ms, { jobId, stepId });
const exec = (jobId, stepId, methodName, ms) => ev('method_executing', ms, { jobId, stepId, modelName: 'm', methodName });
const done = (jobId, stepId, ms) => ev('step_completed', ms, { jobId, stepId });
const tidyRun = (runId, name, t) => [
  started(runId, name, t),
  stepStarted('build', 'compile', t + 1), exec('build', 'compile', 'run', t + 2), done('build', 'compile', t + 10),
  stepStarted('build', 'test', t + 11), exec('build', 'test', 'check', t + 12), done('build', 'test', t + 20),
  ev('completed', t + 21, { runId }),
];

/**
 * A log of several MB: swamp runs with non-ASCII names (so chunk boundaries
 * fall inside UTF-8 characters), bad lines at `BAD` (1-based line numbers)
 * and a bad last line without a newline. Returns the text and the line
 * numbers of every bad line.
 */
function bigLog() {
  const lines = swampStream({ runs: 150, steps: 50, seed: 5 }).map((l) => l.replace('"workflowName":"wf-', '"workflowName":"wf-é😀-'));
  const BAD = [3, 4, 12_345, 12_346, 20_000, 30_001];
  const kinds = ['{not json', '42', 'héllo wörld 😀', '{"kind": "step_started", "jobId": "j"', '', '[1,2]'];
  BAD.forEach((at, i) => lines.splice(at - 1, 0, kinds[i % kinds.length] || 'nope'));
  lines.push('', '   ', 'tail without newline');
  return { text: lines.join('\n'), bad: [...BAD, lines.length] };
}
const big = bigLog();

let ctx;
before(async () => {
  ctx = await openBrowser({
    extra(req, res) {
      if (req.url !== '/generated/big.ndjson') return false;
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      res.end(big.text);
      return true;
    },
  });
});
after(async () => { await ctx?.close(); });

async function loaded(page, source) {
  await page.waitForFunction((src) => document.body.dataset.state === 'ready'
    && document.querySelector('#source').textContent === src, source, { timeout: 60000 });
}

async function pick(page, name, text, mimeType = 'application/x-ndjson') {
  await page.setInputFiles('#file', { name, mimeType, buffer: Buffer.from(text) });
  await loaded(page, name);
}

/** The runs list as shown: name, badge, and the id line. */
function runsShown(page) {
  return page.$$eval('#runs .run', (runs) => runs.map((r) => ({
    name: r.querySelector('.run-name').textContent,
    badge: r.querySelector('.badge').textContent,
    id: r.querySelector('.run-id').textContent,
    stalled: r.querySelector('.stalled-note')?.textContent,
  })));
}

/** The rejected lines listed: the summary line, and the line numbers. */
function rejectedShown(page) {
  return page.evaluate(() => ({
    hidden: document.querySelector('#rejected').hidden,
    summary: document.querySelector('#rejected summary')?.textContent,
    lines: [...document.querySelectorAll('#rejected li')].map((li) => Number(/^line (\d+):/.exec(li.textContent)?.[1])),
  }));
}

/** Starts recording the load status texts (each progress report changes it). */
function recordStatus(page) {
  return page.evaluate(() => {
    window.__statuses = [];
    const node = document.querySelector('#load-status');
    new MutationObserver(() => window.__statuses.push(node.textContent)).observe(node, { childList: true, characterData: true, subtree: true });
  });
}

async function checkBig(page, how) {
  const got = await rejectedShown(page);
  assert.equal(got.hidden, false, how);
  assert.match(got.summary, new RegExp(`^${big.bad.length} lines rejected, \\d+ accepted$`), how);
  assert.deepEqual(got.lines, big.bad, `${how}: line numbers in the whole file`);
  assert.match(await page.textContent('#load-status'), new RegExp(`^150 runs from \\d+ events, ${big.bad.length} lines rejected`), how);
  const runs = await runsShown(page);
  assert.equal(runs.length, 150, how);
  assert.ok(runs.every((r) => r.name.startsWith('wf-é😀-')), `${how}: names intact across chunk cuts`);
}

test('many runs one after another: each is a top-level run with its own steps', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const lines = swampStream({ runs: 30, steps: 12, seed: 9, failRate: 0 });
  await pick(page, 'many.ndjson', lines.join('\n'));
  const runs = await runsShown(page);
  assert.equal(runs.length, 30);
  assert.deepEqual(runs.map((r) => r.id), Array.from({ length: 30 }, (_, i) => `swamp · run-${i}`), 'no run nested in another');
  assert.ok(runs.every((r) => r.badge === '✓ completed'));
  assert.equal(await page.textContent('#run-count'), '30 of 30');
  for (const i of [0, 1, 17, 29]) {
    await page.click(`#runs .run[data-run="run-${i}"]`);
    await page.waitForFunction((id) => document.querySelector('#run-title')?.textContent === id, `wf-${i % 7}`);
    const keys = await page.$$eval('.tl-row.kind-step', (rows) => rows.map((r) => r.dataset.key));
    assert.equal(keys.length, 12, `run-${i}: its own 12 steps`);
    assert.ok(keys.every((k) => k.startsWith(`run-${i}|`)), `run-${i}: ${keys[0]}`);
    assert.deepEqual(await page.$$eval('.tl-row.kind-job .name', (n) => n.map((x) => x.firstChild.textContent)), ['job-0', 'job-1']);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('a log of 1,203 runs draws 500 at first, 500 more per click, and always the selected run', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const text = Array.from({ length: 1203 }, (_, i) => tidyRun(`run-${i}`, `wf-${i}`, i * 100).join('\n')).join('\n');
  await pick(page, 'many-runs.ndjson', text);
  const drawn = () => page.$$eval('#runs .run', (runs) => runs.map((r) => r.dataset.run));
  assert.equal(await page.textContent('#run-count'), '1203 of 1203');
  assert.deepEqual(await drawn(), Array.from({ length: 500 }, (_, i) => `run-${i}`));
  assert.equal(await page.textContent('#runs .more-runs'), 'Show 500 more (703 not listed)');
  await page.click('#runs .more-runs');
  assert.equal((await drawn()).length, 1000);
  assert.equal(await page.textContent('#runs .more-runs'), 'Show 203 more (203 not listed)');
  await page.click('#runs .more-runs');
  assert.equal((await drawn()).length, 1203);
  assert.equal(await page.$('#runs .more-runs'), null);
  // A new log starts from the first page again; so does a new filter.
  await pick(page, 'many-runs-again.ndjson', text);
  assert.equal((await drawn()).length, 500);
  await page.click('#runs .more-runs');
  assert.equal((await drawn()).length, 1000);
  await page.fill('#text-filter', 'wf-1');
  assert.equal(await page.textContent('#run-count'), '314 of 1203');
  assert.equal((await drawn()).length, 314);
  await page.fill('#text-filter', '');
  assert.equal((await drawn()).length, 500);
  // A link to a run past the first 500, in a new page: drawn, and selected.
  const other = await newPage(ctx);
  await other.page.goto(`${ctx.base}/#run=run-1100`);
  await loaded(other.page, 'samples/swamp-deploy.ndjson');
  await other.page.setInputFiles('#file', { name: 'many-runs.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
  await loaded(other.page, 'many-runs.ndjson');
  await other.page.evaluate(() => { location.hash = '#run=run-1100'; });
  await other.page.waitForSelector('#runs .run.selected[data-run="run-1100"]', { timeout: 10000 });
  const shown = await other.page.$$eval('#runs .run', (runs) => runs.length);
  assert.equal(shown, 1101);
  assert.equal(await other.page.textContent('#run-title'), 'wf-1100');
  assert.deepEqual([...problems, ...other.problems], []);
  await page.close();
  await other.page.close();
});

test('a JSON array file, pretty-printed, of several runs loads', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const events = [...tidyRun('r1', 'first', 0), ...tidyRun('r2', 'second', 100)].map((l) => JSON.parse(l));
  events.splice(5, 0, 'not an event');
  await pick(page, 'events.json', JSON.stringify(events, null, 2), 'application/json');
  assert.deepEqual((await runsShown(page)).map((r) => [r.name, r.badge]), [['first', '✓ completed'], ['second', '✓ completed']]);
  assert.deepEqual(await page.$$eval('.tl-row.kind-step .name', (n) => n.map((x) => x.firstChild.textContent)), ['compile', 'test']);
  const rejected = await rejectedShown(page);
  assert.equal(rejected.summary, '1 line rejected, 16 accepted');
  assert.deepEqual(rejected.lines, [6], 'the element numbered by its position in the array');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a log whose engine died mid-run shows that run abandoned', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const lines = [
    started('r1', 'crashed', 0), stepStarted('build', 'compile', 1), exec('build', 'compile', 'run', 2),
    ...tidyRun('r2', 'after', 100), ...tidyRun('r3', 'later', 200),
  ];
  await pick(page, 'crash.ndjson', `${lines.join('\n')}\n`);
  const runs = await runsShown(page);
  assert.deepEqual(runs.map((r) => [r.name, r.badge]), [['crashed', '⚠ abandoned'], ['after', '✓ completed'], ['later', '✓ completed']]);
  assert.ok(runs.every((r) => !r.id.includes('nested')));
  // The abandoned run is opened, on the step its engine left running.
  assert.equal(await page.textContent('#run-title'), 'crashed');
  assert.equal(await page.textContent('#summary .badge'), '⚠ abandoned');
  assert.match(await page.textContent('#summary'), /failure: abandoned/);
  assert.match(await page.textContent('#summary .why'), /then the run: abandoned: run r1 abandoned: run r2 started/);
  assert.equal(await page.textContent('.tl-row.selected .name'), 'compile');
  assert.equal(await page.getAttribute('.tl-row.selected', 'data-status'), 'cancelled');
  assert.match(await page.textContent('#detail .error-box'), /abandoned/);
  // Its own colour, like every status (and an icon and the word).
  const colours = await page.evaluate(() => Object.fromEntries(['abandoned', 'completed', 'failed', 'cancelled'].map((s) => {
    const probe = document.createElement('span');
    probe.className = `status-${s}`;
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return [s, c];
  })));
  assert.equal(new Set(Object.values(colours)).size, 4, JSON.stringify(colours));
  assert.equal(await page.$eval('#summary .badge', (b) => getComputedStyle(b).color), colours.abandoned);
  // The status filter knows it; `failed` does not count it.
  await page.selectOption('#status-filter', 'abandoned');
  assert.deepEqual((await runsShown(page)).map((r) => r.name), ['crashed']);
  assert.match(await page.evaluate(() => location.hash), /status=abandoned/);
  await page.selectOption('#status-filter', 'failed');
  assert.equal(await page.textContent('#runs'), 'No run matches the filter.');
  await page.selectOption('#status-filter', 'all');
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-abandoned.png') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('a file of several MB is read in chunks: progress, and rejected lines numbered in the whole file', async () => {
  const { page, problems } = await newPage(ctx);
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  const size = Buffer.byteLength(big.text);
  assert.ok(size > 4 * 1024 * 1024, `${size} bytes`);
  await recordStatus(page);
  await pick(page, 'big.ndjson', big.text);
  const progress = await page.evaluate(() => [...new Set(window.__statuses.filter((s) => /^Parsing big\.ndjson… \d+%$/.test(s)))]);
  assert.ok(progress.length >= 2, `several progress reports: ${JSON.stringify(progress)}`);
  await checkBig(page, 'picked file');
  // The same through ?src=: fetched text, handed to the core in slices.
  await recordStatus(page);
  await page.goto(`${ctx.base}/?src=/generated/big.ndjson`);
  await loaded(page, '/generated/big.ndjson');
  await checkBig(page, '?src=');
  assert.deepEqual(problems, []);
  await page.close();
});

test('without workers the main thread reads the same way, and the page keeps painting', async () => {
  const { page, problems } = await newPage(ctx);
  await page.addInitScript(() => { delete window.Worker; });
  await page.goto(`${ctx.base}/`);
  await loaded(page, 'samples/swamp-deploy.ndjson');
  assert.equal(await page.evaluate(() => typeof Worker), 'undefined');
  await page.evaluate(() => {
    window.__frames = 0;
    const tick = () => { window.__frames += 1; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await pick(page, 'big.ndjson', big.text);
  assert.ok(await page.evaluate(() => window.__frames) > 2, 'frames painted while parsing');
  await checkBig(page, 'main thread, file');
  const lines = [started('r1', 'crashed', 0), exec('build', 'compile', 'run', 2), ...tidyRun('r2', 'after', 100)];
  await page.click('#paste-open');
  await page.fill('#paste-text', lines.join('\n'));
  await page.click('#paste-load');
  await loaded(page, 'pasted text');
  assert.deepEqual((await runsShown(page)).map((r) => [r.name, r.badge]), [['crashed', '⚠ abandoned'], ['after', '✓ completed']]);
  assert.equal((await rejectedShown(page)).hidden, true);
  assert.deepEqual(problems, []);
  await page.close();
});
