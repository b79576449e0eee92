// The run viewer: wires loading, the runs list, the summary header, the
// timeline and the detail panel to one view state kept in the URL hash.
import { $, download, el, fill } from './dom.js';
import { FAILED, ms } from './format.js';
import { append, exportLast, fetchSameOrigin, parse, stepDetail } from './loader.js';
import { matches, renderRuns, resetRunList } from './runs.js';
import { renderDetail, showDetails } from './detail.js';
import { renderSummary } from './summary.js';
import { whyBanner } from './why.js';
import { toggleKeyHelp } from './keys.js';
import { Timeline } from './timeline.js';
import { readHash, writeHash } from './state.js';

const DEFAULT_SAMPLE = 'samples/swamp-deploy.ndjson';
const params = new URLSearchParams(location.search);
// `?stall=<seconds>`: a run not ended with no event for this long is marked
// stalled (the model's default is 15 minutes).
const STALL_AFTER_MS = Number(params.get('stall')) > 0 ? Math.round(Number(params.get('stall')) * 1000) : undefined;

const state = { ...readHash(), status: readHash().status ?? 'all' };
let data = { runs: [], workflows: [] };
let last = { log: undefined, source: '' }; // the log (text or File) last loaded, for a reload
let runsById = new Map();
// Details of steps already shown (by detailRef), for the current `data` only.
let details = new Map();
const collapsed = new Set();

// Zooming reports every wheel notch, and each history.replaceState costs
// milliseconds in Chromium (most of a zoom step's time): the hash follows the
// zoom at once, then at most every 250 ms while it keeps changing (the last
// view always lands). Every other change writes the hash at once.
const ZOOM_HASH_MS = 250;
let zoomHashAt = -Infinity;
let zoomHashTimer = 0;
function writeZoomHash() {
  const write = () => { zoomHashTimer = 0; zoomHashAt = performance.now(); writeHash(state); };
  const wait = zoomHashAt + ZOOM_HASH_MS - performance.now();
  if (wait <= 0) write();
  else if (!zoomHashTimer) zoomHashTimer = setTimeout(write, wait);
}

const timeline = new Timeline($('#timeline'), {
  onSelect: (key) => selectStep(key),
  onToggle: (key) => toggle(key),
  onZoom: (view) => { state.zoom = view; writeZoomHash(); },
});

/** Makes a (lite) snapshot the current data. */
function setData(snapshot) {
  data = snapshot;
  runsById = new Map(data.runs.map((r) => [r.id, r]));
  details = new Map();
}

// ------------------------------------------------------------ selection

function currentRun() {
  return runsById.get(state.run);
}

/** The step of a row key `<runId>|<stepId>`, with its run. */
function stepOf(key) {
  if (!key) return {};
  const bar = key.indexOf('|');
  const run = runsById.get(key.slice(0, bar));
  const step = run?.steps.find((s) => s.id === key.slice(bar + 1));
  return { run, step };
}

/** Steps of a run and its nested runs, each with its row key. */
function allSteps(run, seen = new Set()) {
  if (!run || seen.has(run.id)) return [];
  seen.add(run.id);
  return run.steps.flatMap((s) => [
    { key: `${run.id}|${s.id}`, step: s, run },
    ...(s.childRun ? allSteps(runsById.get(s.childRun), seen) : []),
  ]);
}

/** A step its run's abandonment closed (its engine died with the step open). */
function abandonedStep(step) {
  return step.error?.class === 'abandoned';
}

/**
 * The first failure: the earliest failed step that was not an allowed
 * failure; else an allowed one; else a step left open when its run was
 * abandoned.
 */
function firstFailure(run) {
  const failed = allSteps(run).filter(({ step }) => FAILED.has(step.status) || abandonedStep(step));
  const rank = ({ step }) => [FAILED.has(step.status) ? (step.error?.allowed ? 1 : 0) : 2, ms(step.endedAt) ?? ms(step.startedAt) ?? Infinity];
  failed.sort((a, b) => { const x = rank(a); const y = rank(b); return x[0] - y[0] || x[1] - y[1]; });
  return failed[0]?.key;
}

/** The failures that explain a run, earliest first: failed steps not allowed to fail, steps its abandonment closed. */
function blockingFailures(run) {
  const list = allSteps(run).filter(({ step }) => (FAILED.has(step.status) && !step.error?.allowed) || abandonedStep(step));
  const at = ({ step }) => ms(step.endedAt) ?? ms(step.startedAt) ?? Infinity;
  return list.sort((a, b) => at(a) - at(b));
}

/** The held-back fields of `step` (cached), or undefined. */
function detailOfStep(step) {
  if (step.detailRef === undefined) return Promise.resolve(step);
  const known = details.get(step.detailRef);
  if (known) return Promise.resolve(known);
  const snapshot = data;
  return stepDetail(snapshot, step.detailRef).then((d) => {
    if (d && data === snapshot) details.set(step.detailRef, d);
    return d;
  });
}

/** `n`: the next failure, in this run, then in the next run that has one. */
function nextFailure() {
  const run = currentRun();
  if (!run) return;
  const here = blockingFailures(run).map((f) => f.key);
  const at = here.indexOf(state.step);
  if (at + 1 < here.length) {
    selectStep(here[at + 1]);
    return;
  }
  const runs = data.runs.filter((r) => !r.parentRun);
  const from = runs.findIndex((r) => r.id === run.id);
  for (let i = 1; i <= runs.length; i++) {
    const next = runs[(from + i) % runs.length];
    const first = blockingFailures(next)[0];
    if (first) {
      selectRun(next.id, { step: first.key });
      return;
    }
  }
}

/** Where no step failed, the step the time went to: the run's bottleneck. */
function firstOfInterest(run) {
  return firstFailure(run) ?? (run?.summary.bottleneck ? `${run.id}|${run.summary.bottleneck}` : undefined);
}

function hasFailure(run) {
  return run.status === 'failed' || allSteps(run).some(({ step }) => FAILED.has(step.status) && !step.error?.allowed);
}

/** The run to open: the first with a failure, else the first abandoned one, else the first. */
function pickRun(runs) {
  return runs.find(hasFailure) ?? runs.find((r) => r.status === 'abandoned') ?? runs[0];
}

function expandTo(key) {
  // Open the groups and nested runs on the way to a step.
  const { run, step } = stepOf(key);
  if (!run || !step) return;
  collapsed.delete(`${run.id}|job:${step.job}`);
  let r = run;
  while (r?.parentRun) {
    const parent = runsById.get(r.parentRun);
    const via = parent?.steps.find((s) => s.childRun === r.id);
    if (via) {
      collapsed.delete(`${parent.id}|${via.id}`);
      collapsed.delete(`${parent.id}|job:${via.job}`);
    }
    r = parent;
  }
}

function topRun(run) {
  let r = run;
  const seen = new Set();
  while (r?.parentRun && runsById.has(r.parentRun) && !seen.has(r.id)) {
    seen.add(r.id);
    r = runsById.get(r.parentRun);
  }
  return r;
}

function selectRun(id, { step } = {}) {
  state.run = id;
  state.zoom = undefined;
  const run = currentRun();
  state.step = step ?? (run ? firstOfInterest(run) : undefined);
  if (state.step) expandTo(state.step);
  renderAll({ scroll: true });
}

function selectStep(key) {
  state.step = key;
  expandTo(key);
  timeline.select(key);
  renderDetailPanel();
  writeHash(state);
}

function toggle(key) {
  if (collapsed.has(key)) collapsed.delete(key);
  else collapsed.add(key);
  timeline.refreshRows();
}

// ------------------------------------------------------------ rendering

/**
 * Renders the selected step at once from the lite snapshot, then again with
 * its details (transitions, telemetry, inputs, results) once the worker sends
 * them. Resolves when the panel is complete.
 */
function renderDetailPanel() {
  const { run, step } = stepOf(state.step);
  const node = $('#detail');
  const known = step && details.get(step.detailRef);
  if (!step || known || step.detailRef === undefined) {
    renderDetail(node, run, known ? { ...step, ...known } : step, timeline.origin);
    return Promise.resolve();
  }
  renderDetail(node, run, step, timeline.origin, { pending: true });
  const [snapshot, key] = [data, state.step];
  return stepDetail(snapshot, step.detailRef).then((detail) => {
    if (data !== snapshot) return;
    if (detail) details.set(step.detailRef, detail);
    if (state.step === key) showDetails(node, { ...step, ...detail }, timeline.origin);
  });
}

/** The summary header, with the banner of why the run failed. */
function renderSummaryOnly() {
  const run = currentRun();
  const failure = run && blockingFailures(run)[0];
  const why = run ? whyBanner(run, failure, { detail: detailOfStep, onShow: (key) => selectStep(key) }) : null;
  renderSummary($('#summary'), run, runsById, (id) => selectRun(id), why, data.workflows);
}

function renderAll({ scroll = false } = {}) {
  const shown = renderRuns($('#runs'), data.runs, state, (id) => selectRun(id), () => renderAll());
  $('#run-count').textContent = `${shown.length} of ${data.runs.length}`;
  const run = currentRun();
  renderSummaryOnly();
  timeline.critical = state.crit;
  timeline.query = state.q ?? '';
  timeline.absolute = state.abs;
  timeline.setRun(run, runsById, collapsed, state.zoom);
  if (state.step) timeline.select(state.step, { scroll });
  const detailShown = renderDetailPanel();
  $('#crit').setAttribute('aria-pressed', String(state.crit));
  $('#abs').setAttribute('aria-pressed', String(state.abs));
  $('#export').disabled = data.runs.length === 0;
  writeHash(state);
  return detailShown;
}

/** Lists rejected lines: `rejected` of them, `errors` the first (line numbers as the core gave them). */
function showErrors(errors, accepted, rejected = errors.length) {
  const box = $('#rejected');
  if (rejected === 0) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const shown = errors.slice(0, 200);
  fill(box,
    el('summary', {}, `${rejected} line${rejected === 1 ? '' : 's'} rejected, ${accepted} accepted`),
    el('ul', {}, shown.map((e) => el('li', {}, `line ${e.line}: ${e.message}`))),
    rejected > shown.length ? el('p', { className: 'muted' }, `… and ${rejected - shown.length} more`) : null);
}

/** The model's options from the view: the slow-step threshold and the stall time. */
function modelOptions() {
  const stepThresholdMs = Number(state.thr) > 0 ? Math.round(Number(state.thr) * 1000) : undefined;
  return { stepThresholdMs, stallAfterMs: STALL_AFTER_MS };
}

// ------------------------------------------------------------ loading

let loads = 0; // numbers each load, so one that a newer load overtook changes no state

/** Loads `log` (NDJSON or JSON text, or a File, which the worker reads). */
async function load(log, source) {
  const mine = ++loads;
  const progress = $('#progress');
  const status = $('#load-status');
  document.body.dataset.state = 'loading';
  progress.hidden = false;
  progress.value = 0;
  status.textContent = `Parsing ${source}…`;
  try {
    last = { log, source };
    const result = await parse(log, modelOptions(), (f) => {
      progress.value = f;
      status.textContent = `Parsing ${source}… ${Math.round(f * 100)}%`;
    });
    setData(result.snapshot);
    resetRunList();
    collapsed.clear();
    const requested = readHash();
    // A link's run that this log does not have: say so, rather than
    // silently showing another run.
    const missing = requested.run && !runsById.has(requested.run) ? requested.run : undefined;
    showLinkWarning(missing, source);
    if (requested.run && runsById.has(requested.run)) {
      state.run = requested.run;
      state.step = requested.step;
      state.zoom = requested.zoom;
      if (state.step) expandTo(state.step);
    } else {
      const visible = data.runs.filter((r) => matches(r, state.status, state.q));
      const pick = pickRun(visible) ?? data.runs[0];
      state.run = pick && topRun(pick).id;
      state.step = pick ? firstOfInterest(currentRun()) : undefined;
      state.zoom = undefined;
      if (state.step) expandTo(state.step);
    }
    $('#source').textContent = source;
    const rejected = result.rejected ?? result.errors.length;
    showErrors(result.errors, result.accepted, rejected);
    status.textContent = `${data.runs.length} run${data.runs.length === 1 ? '' : 's'} from ${result.accepted} events` +
      `${rejected ? `, ${rejected} lines rejected` : ''} · parsed in ${Math.round(result.ms)} ms`;
    // Ready once the selected step's details are shown too.
    await renderAll({ scroll: true });
    if (mine === loads) document.body.dataset.state = 'ready';
  } catch (err) {
    if (mine !== loads) return;
    status.textContent = `Could not load ${source}: ${err.message}`;
    document.body.dataset.state = 'error';
  } finally {
    if (mine === loads) progress.hidden = true;
  }
}

/**
 * Keeps the log's address in the page's (`?src=`), so a copied link
 * reopens the same log; a file or pasted text has none to keep.
 */
function keepSource(src) {
  const url = new URL(location.href);
  if (src === undefined) url.searchParams.delete('src');
  else url.searchParams.set('src', src);
  if (url.href !== location.href) history.replaceState(null, '', url);
}

/** Another log picked here: the run, step and zoom in the address were the last log's. */
function forgetView() {
  state.run = undefined;
  state.step = undefined;
  state.zoom = undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}`);
}

function showLinkWarning(run, source) {
  const box = $('#link-warning');
  if (!run) {
    box.hidden = true;
    return;
  }
  box.textContent = `The link's run ${run} is not in ${source}: showing another run. (A link to a log opened from a file or pasted text cannot reopen it; open the file again.)`;
  box.hidden = false;
}

async function loadUrl(src) {
  keepSource(src);
  try {
    await load(await fetchSameOrigin(src), src);
  } catch (err) {
    $('#load-status').textContent = err.message;
    document.body.dataset.state = 'error';
  }
}

async function loadFile(file) {
  if (!file) return;
  // The worker reads the file: the page never holds a copy of its text.
  forgetView();
  keepSource(undefined);
  await load(file, file.name);
}

// ------------------------------------------------------------ controls

$('#file').addEventListener('change', (e) => { loadFile(e.target.files[0]); e.target.value = ''; });
$('#sample').addEventListener('change', (e) => {
  if (!e.target.value) return;
  forgetView();
  loadUrl(e.target.value);
});
$('#paste-open').addEventListener('click', () => { $('#paste-dialog').showModal(); $('#paste-text').focus(); });
$('#paste-cancel').addEventListener('click', () => $('#paste-dialog').close());
$('#paste-load').addEventListener('click', () => {
  const text = $('#paste-text').value;
  $('#paste-dialog').close();
  if (text.trim()) {
    forgetView();
    keepSource(undefined);
    load(text, 'pasted text');
  }
});
document.addEventListener('paste', (e) => {
  if (e.target.closest?.('input, textarea, dialog')) return;
  const text = e.clipboardData?.getData('text');
  if (text?.trim()) {
    forgetView();
    keepSource(undefined);
    load(text, 'pasted text');
  }
});
for (const type of ['dragenter', 'dragover']) {
  window.addEventListener(type, (e) => { e.preventDefault(); document.body.classList.add('dropping'); });
}
window.addEventListener('dragleave', (e) => { if (!e.relatedTarget) document.body.classList.remove('dropping'); });
window.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dropping');
  loadFile(e.dataTransfer?.files?.[0]);
});

$('#status-filter').value = state.status;
$('#text-filter').value = state.q ?? '';
$('#threshold').value = state.thr ?? '';
$('#threshold').addEventListener('change', (e) => {
  state.thr = Number(e.target.value) > 0 ? e.target.value : undefined;
  writeHash(state);
  // Thresholds are computed by the run model: re-read the log with the new one.
  if (last.log) load(last.log, last.source);
});
$('#status-filter').addEventListener('change', (e) => { state.status = e.target.value; resetRunList(); renderAll(); });
$('#text-filter').addEventListener('input', (e) => { state.q = e.target.value; resetRunList(); renderAll(); });
$('#crit').addEventListener('click', () => { state.crit = !state.crit; renderAll(); });
$('#abs').addEventListener('click', () => { state.abs = !state.abs; renderAll(); });
$('#zoom-in').addEventListener('click', () => timeline.zoomBy(0.5));
$('#zoom-out').addEventListener('click', () => timeline.zoomBy(2));
$('#zoom-fit').addEventListener('click', () => timeline.setZoom(timeline.fitView()));
$('#expand-all').addEventListener('click', () => { collapsed.clear(); timeline.refreshRows(); });
$('#collapse-all').addEventListener('click', () => {
  for (const row of timeline.rows) if (row.hasChildren) collapsed.add(row.key);
  timeline.refreshRows();
});
const EXPORTS = {
  entries: ['child-entries.ndjson', 'application/x-ndjson'],
  traces: ['otlp-traces.json', 'application/json'],
  jsonl: ['otlp-traces.jsonl', 'application/x-ndjson'],
  metrics: ['metrics.prom', 'text/plain; version=0.0.4'],
  logs: ['lifecycle.ndjson', 'application/x-ndjson'],
  logfmt: ['lifecycle.logfmt', 'text/plain'],
};
$('#export').addEventListener('change', async (e) => {
  const kind = e.target.value;
  e.target.value = '';
  if (EXPORTS[kind]) {
    try {
      download(EXPORTS[kind][0], await exportLast(kind), EXPORTS[kind][1]);
    } catch (err) {
      $('#load-status').textContent = `Export failed: ${err.message}`;
    }
  }
});
document.addEventListener('keydown', (e) => {
  if (e.target.closest?.('input, textarea, select, dialog')) return;
  if (e.key === '/') { e.preventDefault(); $('#text-filter').focus(); }
  else if (e.key === 'c' && !e.ctrlKey && !e.metaKey) { state.crit = !state.crit; renderAll(); }
  else if (e.key === 't' && !e.ctrlKey && !e.metaKey) timeline.scroller.focus();
  else if (e.key === 'n' && !e.ctrlKey && !e.metaKey) nextFailure();
  else if (e.key === '?') toggleKeyHelp();
});
window.addEventListener('hashchange', () => {
  const next = readHash();
  Object.assign(state, { status: 'all', q: undefined, zoom: undefined, step: undefined }, next);
  $('#status-filter').value = state.status;
  $('#text-filter').value = state.q ?? '';
  if (state.step) expandTo(state.step);
  renderAll({ scroll: true });
});

// ------------------------------------------------------------ live mode

/** Shows a new snapshot, keeping the selection when its run still exists. */
function applySnapshot(result, source) {
  const first = data.runs.length === 0;
  setData(result.snapshot);
  if (!state.run || !runsById.has(state.run)) {
    const pick = pickRun(data.runs);
    state.run = pick && topRun(pick).id;
    state.step = pick ? firstOfInterest(currentRun()) : undefined;
  } else if (first && !state.step) {
    state.step = firstOfInterest(currentRun());
  }
  $('#source').textContent = source;
  renderAll({ scroll: first });
  document.body.dataset.state = 'ready';
}

/** Runs that may still stall: not ended. */
const UNFINISHED = new Set(['pending', 'queued', 'running', 'waiting']);

/**
 * The runs the sidecar holds, newest first (`?runs=/runs`, which the
 * sidecar's own address adds), as a snapshot; undefined without it (a plain
 * event stream) or when it does not answer.
 */
async function sidecarSnapshot(runsUrl) {
  try {
    const url = new URL(runsUrl, location.href);
    if (url.origin !== location.origin) return undefined;
    url.searchParams.set('limit', '10000');
    const r = await fetch(url, { headers: { accept: 'application/json' } });
    const page = r.ok ? await r.json() : undefined;
    return Array.isArray(page?.runs) ? { runs: page.runs, workflows: [] } : undefined;
  } catch {
    return undefined;
  }
}

/** Announces runs that newly have a failure, each a button that opens it. */
function announceFailures(before) {
  const fresh = data.runs.filter((r) => !r.parentRun && hasFailure(r) && !before.has(r.id));
  if (fresh.length === 0) return;
  const box = $('#announce');
  fill(box, el('strong', {}, `New failure${fresh.length === 1 ? '' : 's'}: `),
    fresh.slice(0, 3).map((r) => el('button', { type: 'button', className: 'link', onclick: () => selectRun(r.id) }, r.name || r.id)),
    fresh.length > 3 ? ` and ${fresh.length - 3} more` : null);
  box.hidden = false;
}

const failingNow = () => new Set(data.runs.filter((r) => hasFailure(r)).map((r) => r.id));

/**
 * Follows a same-origin Server-Sent Events stream of events (the sidecar's
 * `/events/stream`): new lines are batched every half second into the same
 * RunModel, each on the source the sidecar names as `$source` (`live` when it
 * names none: line numbers of rejected events count per source from its
 * first event received), and the view refreshes in place. While a
 * run is unfinished and the stream is quiet, a new snapshot is taken now and
 * then, so a run that stops hearing from its engine shows as stalled.
 *
 * With `?runs=<url>` (the sidecar's address adds `runs=/runs`), the page
 * shows the sidecar's own runs (newest first) instead of what it heard itself: opened after
 * the alert, or reloaded, it shows every run the sidecar holds at once, and
 * the stream then says when to fetch them again. (The page's own model, fed
 * from the stream as before, is what Export… writes.) Runs that newly have a
 * failure are announced.
 */
async function follow(url, runsUrl) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) {
    $('#load-status').textContent = `refusing ${url}: only same-origin streams can be followed`;
    document.body.dataset.state = 'error';
    return;
  }
  const initial = runsUrl ? await sidecarSnapshot(runsUrl) : undefined;
  const fromSidecar = initial !== undefined;
  if (fromSidecar) applySnapshot({ snapshot: initial }, `live ${url}`);
  let pending = [];
  let busy = false;
  let total = 0;
  let rejected = 0;
  const errors = [];
  const stallMs = STALL_AFTER_MS ?? 15 * 60_000;
  const refreshMs = Math.min(30_000, Math.max(500, stallMs / 4));
  let refreshedAt = performance.now();
  const status = $('#load-status');
  const stream = new EventSource(target);
  stream.addEventListener('open', () => { status.textContent = `Live: connected to ${url}, ${total} events`; });
  stream.addEventListener('message', (e) => { if (e.data) pending.push(e.data); });
  stream.addEventListener('error', () => { status.textContent = `Live: reconnecting to ${url}… (${total} events so far)`; });
  // The sidecar's runs are fetched at most every RUNS_EVERY_MS (each fetch
  // is every run it holds, in full); events in between mark them stale.
  const RUNS_EVERY_MS = 1500;
  let runsAt = performance.now();
  let stale = false;
  setInterval(async () => {
    if (busy) return;
    const refresh = pending.length === 0;
    const due = stale && performance.now() - runsAt >= RUNS_EVERY_MS;
    if (refresh && !due && (performance.now() - refreshedAt < refreshMs || !data.runs.some((r) => UNFINISHED.has(r.status)))) return;
    busy = true;
    const lines = pending;
    pending = [];
    try {
      // Whole lines, each ending in a newline (the stream reader waits for a
      // line's end), grouped by the producer the sidecar says they came from.
      const bySource = new Map();
      for (const l of lines) {
        let source = 'live';
        try {
          const s = JSON.parse(l).$source;
          if (typeof s === 'string') source = s;
        } catch {
          // Not JSON: the model reports it on the default stream.
        }
        if (!bySource.has(source)) bySource.set(source, []);
        bySource.get(source).push(l);
      }
      const batches = [...bySource].map(([source, ls]) => ({ source, text: `${ls.join('\n')}\n` }));
      const result = await append(batches, modelOptions());
      refreshedAt = performance.now();
      total += result.accepted;
      rejected += result.rejected ?? result.errors.length;
      for (const e of result.errors) if (errors.length < 200) errors.push(e);
      const before = failingNow();
      if (!fromSidecar) {
        applySnapshot({ ...result, snapshot: { ...result.snapshot, runs: newestFirst(result.snapshot.runs) } }, `live ${url}`);
      } else if (performance.now() - runsAt < RUNS_EVERY_MS) {
        stale = true;
      } else {
        // A fetch that fails (the sidecar restarting) keeps what is shown.
        const shown = await sidecarSnapshot(runsUrl);
        runsAt = performance.now();
        stale = shown === undefined;
        if (shown) applySnapshot({ snapshot: shown }, `live ${url}`);
      }
      announceFailures(before);
      showErrors(errors, total, rejected);
      status.textContent = `Live: ${total} events from ${url}${rejected ? `, ${rejected} rejected` : ''}`;
    } catch (err) {
      status.textContent = `Live: ${err.message}`;
    } finally {
      busy = false;
    }
  }, 500);
}

/** Runs newest first, as the live page lists them (by start, else enqueue). */
function newestFirst(runs) {
  const at = (r) => ms(r.startedAt ?? r.queuedAt) ?? -Infinity;
  return [...runs].sort((a, b) => at(b) - at(a));
}

if (params.get('live')) follow(params.get('live'), params.get('runs'));
else loadUrl(params.get('src') ?? DEFAULT_SAMPLE);
