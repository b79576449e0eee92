// The run viewer in headless Chromium (the same setup as the browser tests),
// measured against JSON.parse in the same page on the same data:
//
// - load: from the "Open file…" input's change event to the first painted
//   timeline of a seeded 100,000-event log, over JSON.parse of every line of
//   that file (best of N each, interleaved so machine drift hits both);
// - zoom: rAF frame times while ctrl+wheel zooms a 10,000-step run in and out,
//   over JSON.parse of that run's file.
//
// Absolute times on shared machines are noisy: ratios are what to read.
// `node bench/viewer.mjs` prints a table and writes target/bench/viewer.json;
// `runViewerBench(options)` returns the same figures as plain JSON data.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, newPage } from '../tests/e2e/browser.mjs';
import { startServer } from '../scripts/serve.mjs';
import { swampLog, swampStream } from './generate.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'target', 'bench');

export const DEFAULTS = {
  www: join(ROOT, 'www'), // the viewer to measure (another copy, for before/after comparisons)
  events: 100_000, // the load log's size
  loadSeed: 7,
  zoomSteps: 10_000, // one run of this many steps for the zoom measurement
  zoomSeed: 11,
  zoomInputs: 40, // ctrl+wheel notches: half in, half out
  repetitions: 3, // best of N loads, each followed by a JSON.parse baseline
  parseRepetitions: 5, // best of this many JSON.parse passes per baseline (cheap; GC makes single passes noisy)
  timeoutMs: 60_000, // for every single wait
  target: 10, // the goal: first render within 10x JSON.parse
  parts: ['load', 'zoom'], // which measurements to run
};

/** `promise`, or a rejection naming `what` after `ms` (page.evaluate has no timeout of its own). */
function withTimeout(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, mean, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

/** page.evaluate / $$eval with a timeout. */
const inPage = (page, opts, what, fn, arg) => withTimeout(page.evaluate(fn, arg), opts.timeoutMs, what);
const texts = (page, opts, selector) => inPage(page, opts, selector, (sel) => [...document.querySelectorAll(sel)].map((n) => n.textContent), selector);

const round = (v, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

/**
 * In the page: arms a one-shot recorder for the next file load. The change
 * event on #file starts the clock (a capture listener, so before the viewer's
 * own handler); `ready` is when the page reaches its ready state for `name`
 * with timeline rows present; `painted` is after the next frame (rAF, then a
 * task, which runs once that frame is presented).
 */
function armLoadRecorder(name) {
  const rec = { name, longestTaskMs: 0, longTasks: 0 };
  window.__benchLoad = rec;
  // The page's responsiveness while it loads: main-thread tasks over 50 ms.
  const tasks = new PerformanceObserver((list) => {
    if (rec.t0 === undefined || rec.painted !== undefined) return;
    for (const t of list.getEntries()) {
      rec.longTasks += 1;
      rec.longestTaskMs = Math.max(rec.longestTaskMs, t.duration);
    }
  });
  tasks.observe({ type: 'longtask' });
  rec.stopTasks = () => tasks.disconnect();
  document.addEventListener('change', (e) => {
    if (e.target.id !== 'file') return;
    rec.t0 = performance.now();
    rec.file = e.target.files[0];
  }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    if (rec.t0 !== undefined && document.body.dataset.state === 'error') {
      rec.error = document.querySelector('#load-status').textContent;
      observer.disconnect();
    }
    if (rec.t0 === undefined || document.body.dataset.state !== 'ready') return;
    if (document.querySelector('#source').textContent !== name) return;
    if (!document.querySelector('.tl-row')) return;
    observer.disconnect();
    rec.ready = performance.now();
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { rec.painted = performance.now(); };
      ch.port2.postMessage(0);
    });
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
}

/**
 * The tab's memory: the renderer processes' peak resident size (VmHWM, from
 * /proc; the page and its worker, wasm memory included, live in one renderer
 * process) and their current size, by Chromium's own process list. Linux
 * only; null elsewhere.
 */
async function rendererMemory(browser) {
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    await cdp.detach();
    const kib = (status, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => {
      const status = readFileSync(`/proc/${p.id}/status`, 'utf8');
      return { pid: p.id, peakBytes: kib(status, 'VmHWM'), nowBytes: kib(status, 'VmRSS') };
    });
    const top = renderers.sort((a, b) => b.peakBytes - a.peakBytes)[0];
    return top ? { peakBytes: top.peakBytes, nowBytes: top.nowBytes, renderers: renderers.length } : null;
  } catch {
    return null;
  }
}

/** Lets the page go quiet (two frames and a pause) before a baseline, so GC from a load does not land in it. */
async function settle(page, opts) {
  await inPage(page, opts, 'the page to settle', () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 200)))));
}

/** In the page: JSON.parse of every line of the last picked file, best of `reps` (split not timed). */
async function parseBaseline(reps) {
  const text = await window.__benchLoad.file.text();
  const lines = text.split('\n');
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const line of lines) sink += JSON.parse(line) ? 1 : 0;
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, lines: lines.length, chars: text.length, sink };
}

/** Picks `path` with the file input and waits until the timeline is painted. */
async function pickAndWait(page, path, opts) {
  const name = basename(path);
  await inPage(page, opts, 'arming the load recorder', armLoadRecorder, name);
  const t0 = Date.now();
  await page.setInputFiles('#file', path, { timeout: opts.timeoutMs });
  await page.waitForFunction(() => window.__benchLoad.painted !== undefined || window.__benchLoad.error,
    undefined, { timeout: opts.timeoutMs, polling: 50 });
  const wallMs = Date.now() - t0;
  const rec = await inPage(page, opts, 'the load figures', () => {
    const r = window.__benchLoad;
    const parsed = /parsed in (\d+) ms/.exec(document.querySelector('#load-status').textContent);
    r.stopTasks();
    return {
      error: r.error, readyMs: r.ready - r.t0, paintedMs: r.painted - r.t0, workerMs: parsed ? Number(parsed[1]) : undefined,
      longestTaskMs: r.longestTaskMs, longTasks: r.longTasks,
    };
  });
  if (rec.error) throw new Error(`the viewer failed to load ${name}: ${rec.error}`);
  return { ...rec, wallMs };
}

/** The 100,000-event log: load to first paint vs JSON.parse, best of N each, interleaved. */
async function measureLoad(page, opts) {
  const lines = swampLog({ events: opts.events, seed: opts.loadSeed });
  const path = join(OUT, `viewer-load-${opts.events}.ndjson`);
  writeFileSync(path, lines.join('\n'));
  const loads = [];
  const parses = [];
  for (let r = 0; r < opts.repetitions; r++) {
    loads.push(await pickAndWait(page, path, opts));
    await settle(page, opts);
    parses.push(await inPage(page, opts, 'JSON.parse baseline', parseBaseline, opts.parseRepetitions));
  }
  const best = (key) => Math.min(...loads.map((l) => l[key]));
  const parseMs = Math.min(...parses.map((p) => p.ms));
  const rows = (await texts(page, opts, '.tl-row')).length;
  const runsDrawn = (await texts(page, opts, '#runs .run')).length;
  // "N of M": the runs that pass the filter, of all.
  const [runs] = await texts(page, opts, '#run-count');
  return {
    events: lines.length,
    bytes: parses[0].chars,
    runs: Number(runs.split(' of ')[1]),
    runsDrawn,
    timelineRowsInDom: rows,
    jsonParseMs: round(parseMs),
    firstRenderMs: round(best('paintedMs')),
    readyMs: round(best('readyMs')),
    // The status line's "parsed in": the worker, from the text's arrival to posting the snapshot.
    workerParseMs: round(best('workerMs'), 0),
    // Reading the file, posting it, the snapshot's way back and rendering: what the page adds to the worker.
    pageMs: round(Math.min(...loads.map((l) => l.readyMs - l.workerMs))),
    wallMs: best('wallMs'),
    // Main-thread tasks over 50 ms between the file's pick and the first paint (the page stays responsive if none is long).
    longestTaskMs: round(Math.max(...loads.map((l) => l.longestTaskMs))),
    longTasks: Math.max(...loads.map((l) => l.longTasks)),
    samples: loads.map((l) => ({ paintedMs: round(l.paintedMs), readyMs: round(l.readyMs), workerMs: l.workerMs, wallMs: l.wallMs, longestTaskMs: round(l.longestTaskMs) })),
    jsonParseSamplesMs: parses.map((p) => round(p.ms)),
    ratio: round(best('paintedMs') / parseMs),
  };
}

/**
 * In the page: records every frame (its rAF timestamp, and when the page was
 * done with it: a task posted from rAF runs after that frame's style, layout
 * and paint) and every wheel input (a window capture listener runs before the
 * viewer's handler, a window bubble listener after it).
 */
function armFrameRecorder() {
  const rec = { frames: [], done: [], inputs: [], running: true };
  window.__benchFrames = rec;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => rec.done.push(performance.now());
  const tick = (t) => {
    rec.frames.push(t);
    ch.port2.postMessage(0);
    if (rec.running && rec.frames.length < 100_000) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  let start;
  rec.onCapture = () => { start = performance.now(); };
  rec.onBubble = () => {
    if (start !== undefined && rec.inputs.length < 100_000) rec.inputs.push([start, performance.now()]);
    start = undefined;
  };
  window.addEventListener('wheel', rec.onCapture, { capture: true, passive: true });
  window.addEventListener('wheel', rec.onBubble, { passive: true });
}

/**
 * In the page: stops the recorder. Returns the frame intervals from the frame
 * before the first input to the one after the last, each input's handler
 * time, and each input's latency to the end of the frame that showed it.
 */
function stopFrameRecorder() {
  const rec = window.__benchFrames;
  rec.running = false;
  window.removeEventListener('wheel', rec.onCapture, { capture: true });
  window.removeEventListener('wheel', rec.onBubble);
  const first = rec.inputs[0]?.[0] ?? 0;
  const last = rec.inputs.at(-1)?.[1] ?? 0;
  const from = Math.max(0, rec.frames.findIndex((t) => t >= first) - 1);
  let to = rec.frames.findIndex((t) => t >= last);
  if (to < 0) to = rec.frames.length - 1;
  const frames = [];
  for (let i = from + 1; i <= to; i++) frames.push(rec.frames[i] - rec.frames[i - 1]);
  const handlers = rec.inputs.map(([a, b]) => b - a);
  const latencies = rec.inputs.map(([a, b]) => (rec.done.find((d) => d > b) ?? NaN) - a).filter(Number.isFinite);
  return { frames, handlers, latencies, zoom: new URLSearchParams(location.hash.slice(1)).get('zoom') };
}

/** One run of 10,000 steps: frame times while ctrl+wheel zooms in and out over the track. */
async function measureZoom(page, opts) {
  const lines = swampStream({ runs: 1, steps: opts.zoomSteps, seed: opts.zoomSeed });
  const path = join(OUT, `viewer-zoom-${opts.zoomSteps}.ndjson`);
  writeFileSync(path, lines.join('\n'));
  const load = await pickAndWait(page, path, opts);
  await settle(page, opts);
  const parse = await inPage(page, opts, 'JSON.parse baseline', parseBaseline, opts.parseRepetitions * opts.repetitions);
  const rowCount = await inPage(page, opts, 'the row count', () => document.querySelector('.tl-spacer').offsetHeight / 28);
  const box = await page.locator('.tl-scroll').boundingBox({ timeout: opts.timeoutMs });
  const label = await page.locator('.tl-row .tl-label').first().boundingBox({ timeout: opts.timeoutMs });
  if (!box || !label) throw new Error('the timeline is not on screen');
  const x = label.x + label.width + (box.x + box.width - label.x - label.width) / 2;
  const y = box.y + box.height / 2;
  await withTimeout(page.mouse.move(x, y), opts.timeoutMs, 'moving the mouse');
  const before = (await texts(page, opts, '.tick')).join('|');
  await inPage(page, opts, 'arming the frame recorder', armFrameRecorder);
  await withTimeout(page.keyboard.down('Control'), opts.timeoutMs, 'holding ctrl');
  try {
    for (let i = 0; i < opts.zoomInputs; i++) {
      await withTimeout(page.mouse.wheel(0, i < opts.zoomInputs / 2 ? -100 : 100), opts.timeoutMs, 'a wheel input');
    }
  } finally {
    await withTimeout(page.keyboard.up('Control'), opts.timeoutMs, 'releasing ctrl');
  }
  // Let the last input's frame be presented, then stop recording.
  await inPage(page, opts, 'two frames', () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(ok, 0)))));
  const rec = await inPage(page, opts, 'the frame figures', stopFrameRecorder);
  const after = (await texts(page, opts, '.tick')).join('|');
  if (rec.handlers.length === 0) throw new Error('no wheel input reached the page');
  const frames = stats(rec.frames);
  const handlers = stats(rec.handlers);
  const latency = stats(rec.latencies);
  return {
    steps: opts.zoomSteps,
    events: lines.length,
    timelineRows: Math.round(rowCount),
    loadMs: round(load.paintedMs),
    jsonParseMs: round(parse.ms),
    inputs: opts.zoomInputs,
    inputsHandled: rec.handlers.length,
    zoomed: before !== after || rec.zoom !== null,
    frame: { n: frames.n, meanMs: round(frames.mean), p50Ms: round(frames.p50), p95Ms: round(frames.p95), maxMs: round(frames.max) },
    handler: { meanMs: round(handlers.mean), p95Ms: round(handlers.p95), maxMs: round(handlers.max) },
    inputToFrameDone: { meanMs: round(latency.mean), p95Ms: round(latency.p95), maxMs: round(latency.max) },
    ratio: round(frames.mean / parse.ms, 3),
    ratioP95: round(frames.p95 / parse.ms, 3),
  };
}

/**
 * Runs both measurements in one page and returns plain JSON data. `options`
 * override DEFAULTS. The server and the browser are closed on every path.
 */
export async function runViewerBench(options = {}) {
  const opts = { ...DEFAULTS, ...options };
  mkdirSync(OUT, { recursive: true });
  const server = await startServer({ dir: opts.www, port: 0 });
  const ctx = { base: `http://127.0.0.1:${server.address().port}`, browser: undefined };
  try {
    ctx.browser = await launchChromium();
    const { page, problems } = await newPage(ctx);
    page.setDefaultTimeout(opts.timeoutMs);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${ctx.base}/`, { timeout: opts.timeoutMs });
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: opts.timeoutMs });
    const load = opts.parts.includes('load') ? await measureLoad(page, opts) : undefined;
    const memory = load ? await rendererMemory(ctx.browser) : undefined;
    const zoom = opts.parts.includes('zoom') ? await measureZoom(page, opts) : undefined;
    return {
      chromium: ctx.browser.version(),
      repetitions: opts.repetitions,
      load: load && { ...load, target: opts.target, withinTarget: load.ratio <= opts.target, memory },
      zoom,
      pageProblems: problems,
    };
  } finally {
    await ctx.browser?.close();
    await new Promise((ok) => server.close(ok));
  }
}

function printTable(r) {
  const l = r.load;
  const z = r.zoom;
  console.log(`Chromium ${r.chromium}; best of ${r.repetitions}; ratios are what to read (shared machine, noisy ms)`);
  if (l) printLoad(l);
  if (z) printZoom(z);
  if (r.pageProblems.length) console.log(`page problems: ${r.pageProblems.join('; ')}`);
}

const row = (name, ms, note) => console.log(`${name.padEnd(44)} ${String(ms).padStart(10)} ms  ${note}`);

function printLoad(l) {
  console.log(`load: ${l.events} events, ${(l.bytes / 1e6).toFixed(1)} MB, ${l.runs} runs (${l.runsDrawn} drawn)`);
  row('  file picked -> first painted timeline', l.firstRenderMs, `${l.ratio}x JSON.parse (target ${l.target}x: ${l.withinTarget ? 'met' : 'MISSED'})`);
  row('  file picked -> ready state', l.readyMs, `of which the worker ${l.workerParseMs} ms ("parsed in"), the page ${l.pageMs} ms`);
  row('  baseline: JSON.parse of every line', l.jsonParseMs, '');
  row('  longest main-thread task while loading', l.longestTaskMs, `${l.longTasks} tasks over 50 ms`);
  if (l.memory) console.log(`  tab (renderer process) memory: peak ${(l.memory.peakBytes / 1048576).toFixed(0)} MiB resident, ${(l.memory.nowBytes / 1048576).toFixed(0)} MiB after the loads`);
}

function printZoom(z) {
  console.log(`zoom: one run of ${z.steps} steps (${z.events} events, ${z.timelineRows} rows), ${z.inputsHandled}/${z.inputs} ctrl+wheel inputs handled${z.zoomed ? '' : ', VIEW DID NOT CHANGE'}`);
  row('  frame time, mean', z.frame.meanMs, `${z.ratio}x JSON.parse (p95 ${z.frame.p95Ms} ms, ${z.ratioP95}x; max ${z.frame.maxMs} ms; ${z.frame.n} frames)`);
  row('  wheel handler, mean', z.handler.meanMs, `p95 ${z.handler.p95Ms} ms`);
  row('  input -> its frame done, mean', z.inputToFrameDone.meanMs, `p95 ${z.inputToFrameDone.p95Ms} ms, max ${z.inputToFrameDone.maxMs} ms`);
  row('  baseline: JSON.parse of every line', z.jsonParseMs, '');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // `--www DIR` measures another copy of the viewer (e.g. a checkout of the previous version).
  // `--only load` or `--only zoom` runs one of the two.
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    if (i > 0 && !process.argv[i + 1]) throw new Error(`${name} needs a value`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const options = {};
  if (arg('--www')) options.www = resolve(arg('--www'));
  if (arg('--only')) options.parts = [arg('--only')];
  // `--events N` for the load log's size (1000000: a busy day's log), `--repetitions N`.
  if (arg('--events')) options.events = Number(arg('--events'));
  if (arg('--repetitions')) options.repetitions = Number(arg('--repetitions'));
  if (arg('--timeout-ms')) options.timeoutMs = Number(arg('--timeout-ms'));
  const results = await runViewerBench(options);
  writeFileSync(join(OUT, 'viewer.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  console.log(`written: ${join('target', 'bench', 'viewer.json')}`);
}
