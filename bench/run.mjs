// `make bench`: every figure side by side in one Node process on the same
// seeded input, as ratios (absolute times on shared machines are noisy):
//
// - throughput of the wasm bridge (`observeNdjson` on text chunks, `observe`
//   per object) against (a) `JsBridge`, a straightforward JavaScript
//   implementation of the same semantics (bench/baseline.mjs, byte-identical
//   output, checked by bench/baseline-check.mjs) and (b) the floor any JS-fed
//   implementation pays: JSON.parse of every input line plus JSON.stringify of
//   as many entries;
// - one bridge over the whole stream (its 1,000 runs one after another, as
//   one source carries them) against one bridge per run (the stream split at
//   each `started` here, a new bridge per run), for the wasm and JsBridge
//   alike; both give the same entries apart from ids (checked);
// - the run model's ingest (text chunks, and object by object, checked to
//   build the same model) and each exporter, against the same floor;
// - memory: a ~1M-event stream through one bridge in a fresh process
//   (bench/memory.mjs), and ~4M events (20,000 runs) through one run model
//   with retention on (bench/model-memory.mjs), wasm linear memory sampled
//   after every chunk; each must stay flat after the first tenth;
// - size of both release .wasm files, raw and gzipped, each against its budget:
//   the bridge-only build (`workflow-telemetry/bridge`, what an engine embeds)
//   and the full package (with the run model and exporters);
// - the viewer in headless Chromium (bench/viewer.mjs), unless --no-viewer;
// - the native core (criterion, benches/core.rs: events/s and allocations
//   per event), unless --no-native.
//
// Writes target/bench/results.json, prints a table, and exits 1 when a size
// budget is exceeded or memory (the bridge's or the run model's) grows with
// history.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { swampLines } from './generate.mjs';
import { JsBridge } from './baseline.mjs';
import { gzipBudgets, overBudget, sizeLine, wasmSizes } from './size.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const wt = require(join(ROOT, 'pkg', 'node.cjs'));
const wtBridge = require(join(ROOT, 'pkg', 'bridge.cjs'));
const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'config.json'), 'utf8'));
// Checked before anything runs: a bad budget fails in a second, not at the end.
const budgets = gzipBudgets(config);
const args = new Set(process.argv.slice(2));
const OUT = join(ROOT, 'target', 'bench');
mkdirSync(OUT, { recursive: true });

/** Best wall time of `reps` runs of `fn`, and its last result. */
function best(fn, reps = config.repetitions) {
  let ms = Infinity;
  let result;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms, result };
}

/**
 * Best wall time of each contender over `reps` rounds, run in turn within every
 * round (A B C, A B C, ...), so that a change in the machine's load between
 * rounds hits every contender alike and their ratio holds.
 */
function bestInterleaved(contenders, reps = config.repetitions) {
  const out = Object.fromEntries(Object.keys(contenders).map((k) => [k, { ms: Infinity, result: undefined }]));
  for (let i = 0; i < reps; i++) {
    for (const [k, fn] of Object.entries(contenders)) {
      const t0 = process.hrtime.bigint();
      out[k].result = fn();
      out[k].ms = Math.min(out[k].ms, Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return out;
}

/** Text chunks of `size` lines each: how a tailer or an HTTP body hands them over. */
function chunk(lines, size) {
  const out = [];
  for (let i = 0; i < lines.length; i += size) out.push(lines.slice(i, i + size).join('\n'));
  return out;
}

// ------------------------------------------------------------ throughput

const lines = [...swampLines(config.stream)];
const chunks = chunk(lines, config.chunkLines);
const objects = lines.map((l) => JSON.parse(l));
const events = lines.length;
let n = 0;
const options = () => ({ parentInvocationId: 'parent', idGenerator: () => `id-${++n}` });

function batch(Bridge) {
  const b = new Bridge(options());
  let entries = 0;
  let bytes = 0;
  for (const c of chunks) {
    const r = b.observeNdjson(c);
    bytes += r.entries.length;
    entries += r.accepted && r.entries.length ? countLines(r.entries) : 0;
  }
  b.free();
  return { entries, bytes };
}
function countLines(text) {
  let k = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) k++;
  return k;
}
function perObject(Bridge) {
  const b = new Bridge(options());
  let entries = 0;
  for (const e of objects) entries += b.observe(e).length;
  b.free();
  return entries;
}

// One bridge per run: the stream split at each `started` (the bench knows
// where its runs begin; a real source does not say), each run's text
// through a new bridge, freed after it.
const runTexts = (() => {
  const out = [];
  let run = [];
  objects.forEach((o, i) => {
    if (o.kind === 'started' && run.length) {
      out.push(run.join('\n'));
      run = [];
    }
    run.push(lines[i]);
  });
  if (run.length) out.push(run.join('\n'));
  return out;
})();
function perRun(Bridge) {
  let entries = 0;
  let bytes = 0;
  for (const text of runTexts) {
    const b = new Bridge(options());
    const r = b.observeNdjson(text);
    bytes += r.entries.length;
    entries += countLines(r.entries);
    b.free();
  }
  return { entries, bytes };
}

// Untimed: one bridge over the whole stream and one bridge per run give the
// same entries apart from their ids, for the wasm and JsBridge, and every
// run's entries name it (1,000 distinct runIds).
const perRunCheck = (() => {
  const whole = (Bridge) => {
    const b = new Bridge(options());
    let text = '';
    for (const c of chunks) text += b.observeNdjson(c).entries;
    b.free();
    return text;
  };
  const split = (Bridge) => {
    let text = '';
    for (const t of runTexts) {
      const b = new Bridge(options());
      text += b.observeNdjson(t).entries;
      b.free();
    }
    return text;
  };
  const noIds = (text) => text.replace(/"id":"id-\d+"/g, '"id":""');
  const reference = noIds(whole(wt.TelemetryBridge));
  for (const [name, text] of [['wasm, one bridge per run', split(wt.TelemetryBridge)],
    ['JsBridge, whole stream', whole(JsBridge)], ['JsBridge, one bridge per run', split(JsBridge)]]) {
    if (noIds(text) !== reference) throw new Error(`${name}: entries differ from the wasm's over the whole stream (ids aside)`);
  }
  const runIds = new Set(reference.match(/"runId":"[^"]*"/g));
  if (runIds.size !== runTexts.length) {
    throw new Error(`entries name ${runIds.size} runs, the stream has ${runTexts.length}`);
  }
  return { runs: runTexts.length, runIdsInEntries: runIds.size, agreeApartFromIds: true };
})();

// The floor: parse every input line, stringify as many real entries (how
// many: one untimed run, which also warms the wasm path up).
const entryCount = batch(wt.TelemetryBridge).entries;
const sampleEntries = (() => {
  const b = new wt.TelemetryBridge(options());
  const text = b.observeNdjson(chunks[0]).entries;
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
})();
function jsonFloor() {
  let k = 0;
  for (const c of chunks) for (const l of c.split('\n')) k += JSON.parse(l).kind.length;
  for (let i = 0; i < entryCount; i++) k += JSON.stringify(sampleEntries[i % sampleEntries.length]).length;
  return k;
}

// Interleaved round by round, so drift on a shared machine hits every path alike.
const { wasmBatch, jsBatch, bridgeBatch, floor, wasmPerRun, jsPerRun } = bestInterleaved({
  wasmBatch: () => batch(wt.TelemetryBridge),
  jsBatch: () => batch(JsBridge),
  bridgeBatch: () => batch(wtBridge.TelemetryBridge),
  floor: jsonFloor,
  wasmPerRun: () => perRun(wt.TelemetryBridge),
  jsPerRun: () => perRun(JsBridge),
});
const { wasmObserve, bridgeObserve, jsObserve } = bestInterleaved({
  wasmObserve: () => perObject(wt.TelemetryBridge),
  bridgeObserve: () => perObject(wtBridge.TelemetryBridge),
  jsObserve: () => perObject(JsBridge),
});
if ([wasmObserve, bridgeObserve, jsObserve].some((o) => o.result !== entryCount)) {
  throw new Error(`observe entry counts differ: ${JSON.stringify([entryCount, wasmObserve.result, bridgeObserve.result, jsObserve.result])}`);
}
for (const other of [wasmBatch, jsBatch, bridgeBatch, wasmPerRun, jsPerRun]) {
  if (other.result.entries !== entryCount) {
    throw new Error(`entry counts differ: ${JSON.stringify([wasmBatch.result, jsBatch.result, bridgeBatch.result, wasmPerRun.result, jsPerRun.result])}`);
  }
}
for (const other of [wasmBatch, jsBatch, bridgeBatch]) {
  if (other.result.entries !== entryCount || other.result.bytes !== wasmBatch.result.bytes) {
    throw new Error(`baseline, bridge entry and wasm disagree: ${JSON.stringify([jsBatch.result, bridgeBatch.result, wasmBatch.result])}`);
  }
}

// ------------------------------------------------------------ run model

const modelText = chunks;
/** A run model over the stream, by text chunks or object by object; its lite snapshot, to hold the two to the same model. */
function modelBy(feed) {
  const m = new wt.RunModel({ clock: () => 0, idGenerator: () => 'id' });
  feed(m);
  return m;
}
const byText = (m) => modelText.forEach((c) => m.ingestNdjson(c));
const byObject = (m) => objects.forEach((o) => m.ingest(o));
const ingestRounds = bestInterleaved({
  ingestNdjson: () => modelBy(byText).free(),
  ingestObjects: () => modelBy(byObject).free(),
}, 2);
const ingest = ingestRounds.ingestNdjson;
const model = modelBy(byText);
{
  const other = modelBy(byObject);
  if (other.snapshotJson({ lite: true }) !== model.snapshotJson({ lite: true })) {
    throw new Error('RunModel.ingest(object) and ingestNdjson built different models of the stream');
  }
  other.free();
}
const exporters = {
  snapshot: best(() => model.snapshot(), 1),
  // What the viewer loads: JSON text, steps without their details.
  snapshotJsonLite: best(() => model.snapshotJson({ lite: true }), 1),
  exportTraces: best(() => model.exportTraces(), 1),
  exportMetrics: best(() => model.exportMetrics(), 1),
  exportLogs: best(() => model.exportLogs(), 1),
};
const parseOnly = best(() => {
  let k = 0;
  for (const l of lines) k += JSON.parse(l).kind.length;
  return k;
}, 1);
model.free();

// ------------------------------------------------------------ memory

const memory = (() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'memory.mjs'), JSON.stringify(config.memory.stream), String(config.chunkLines)],
    { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench/memory.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
})();

// Run model memory: ~4M events, 20,000 runs, one model with retention on.
const modelMemory = (() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'model-memory.mjs'), JSON.stringify(config.modelMemory), String(config.chunkLines)],
    { encoding: 'utf8', maxBuffer: 1 << 20 });
  // Exit 1 with its figures is "memory grew" (reported below); no figures is a failure to run.
  try {
    return { ...JSON.parse(r.stdout), status: r.status };
  } catch {
    throw new Error(`bench/model-memory.mjs failed (status ${r.status}): ${r.stderr}`);
  }
})();

// ------------------------------------------------------------ size

const sizes = wasmSizes(budgets);

// ------------------------------------------------------------ viewer, native

let viewer = null;
if (!args.has('--no-viewer')) {
  const { runViewerBench } = await import('./viewer.mjs');
  viewer = await runViewerBench(config.viewer ?? {});
}
let native = null;
if (!args.has('--no-native')) {
  // criterion's own report goes to target/bench/native.log; the table below summarises it.
  const r = spawnSync('cargo', ['bench', '--bench', 'core'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, BENCH_QUICK: '1' } });
  writeFileSync(join(OUT, 'native.log'), `${r.stdout ?? ''}${r.stderr ?? ''}`);
  const file = join(OUT, 'native.json');
  if (r.status === 0 && existsSync(file)) native = JSON.parse(readFileSync(file, 'utf8'));
  else native = { failed: true, status: r.status };
}

// ------------------------------------------------------------ report

const eps = (ms, count = events) => Math.round(count / (ms / 1000));
const results = {
  date: new Date().toISOString(),
  node: process.version,
  stream: { ...config.stream, events, entries: entryCount, chunkLines: config.chunkLines },
  throughput: {
    wasmObserveNdjson: { ms: wasmBatch.ms, eventsPerSec: eps(wasmBatch.ms) },
    wasmObserve: { ms: wasmObserve.ms, eventsPerSec: eps(wasmObserve.ms) },
    bridgeEntryObserve: { ms: bridgeObserve.ms, eventsPerSec: eps(bridgeObserve.ms) },
    bridgeEntryObserveNdjson: { ms: bridgeBatch.ms, eventsPerSec: eps(bridgeBatch.ms) },
    wasmObserveNdjsonBridgePerRun: { ms: wasmPerRun.ms, eventsPerSec: eps(wasmPerRun.ms) },
    jsBaselineObserveNdjsonBridgePerRun: { ms: jsPerRun.ms, eventsPerSec: eps(jsPerRun.ms) },
    jsBaselineObserveNdjson: { ms: jsBatch.ms, eventsPerSec: eps(jsBatch.ms) },
    jsBaselineObserve: { ms: jsObserve.ms, eventsPerSec: eps(jsObserve.ms) },
    jsonFloor: { ms: floor.ms, eventsPerSec: eps(floor.ms) },
  },
  ratios: {
    observeNdjsonOverJsBaselineSpeed: jsBatch.ms / wasmBatch.ms,
    bridgeEntryObserveNdjsonOverJsBaselineSpeed: jsBatch.ms / bridgeBatch.ms,
    observeOverJsBaselineSpeed: jsObserve.ms / wasmObserve.ms,
    bridgeEntryObserveOverJsBaselineSpeed: jsObserve.ms / bridgeObserve.ms,
    observeNdjsonOverFloorTime: wasmBatch.ms / floor.ms,
    observeOverFloorTime: wasmObserve.ms / floor.ms,
    // One bridge over the whole stream vs one bridge per run, side by side.
    bridgePerRunObserveNdjsonOverJsBaselineSpeed: jsPerRun.ms / wasmPerRun.ms,
    wholeStreamOverBridgePerRunSpeed: { wasm: wasmPerRun.ms / wasmBatch.ms, jsBaseline: jsPerRun.ms / jsBatch.ms },
  },
  bridgePerRun: perRunCheck,
  runModel: {
    ingestNdjson: { ms: ingest.ms, eventsPerSec: eps(ingest.ms), overJsonParseTime: ingest.ms / parseOnly.ms },
    ingestObjects: {
      ms: ingestRounds.ingestObjects.ms,
      eventsPerSec: eps(ingestRounds.ingestObjects.ms),
      overJsonParseTime: ingestRounds.ingestObjects.ms / parseOnly.ms,
      overIngestNdjsonTime: ingestRounds.ingestObjects.ms / ingest.ms,
    },
    ...Object.fromEntries(Object.entries(exporters).map(([k, v]) => [k, { ms: v.ms, overJsonParseTime: v.ms / parseOnly.ms }])),
    jsonParseMs: parseOnly.ms,
    runs: config.stream.runs,
  },
  memory,
  modelMemory,
  wasm: sizes,
  viewer,
  native,
};
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const x = (v) => `${v.toFixed(2)}x`;
const row = (name, r, note = '') => console.log(`${name.padEnd(38)} ${String(r.eventsPerSec ?? '').padStart(10)} ev/s ${r.ms.toFixed(1).padStart(9)} ms  ${note}`);
console.log(`stream: ${events} events, ${entryCount} entries, ${chunks.length} chunks of ${config.chunkLines} lines (seeded; best of ${config.repetitions} interleaved rounds)`);
row('wasm observeNdjson (text chunks)', results.throughput.wasmObserveNdjson,
  `${x(results.ratios.observeNdjsonOverJsBaselineSpeed)} JS baseline speed, ${x(results.ratios.observeNdjsonOverFloorTime)} floor time`);
row('bridge entry observeNdjson', results.throughput.bridgeEntryObserveNdjson,
  `${x(results.ratios.bridgeEntryObserveNdjsonOverJsBaselineSpeed)} JS baseline speed`);
row('wasm observeNdjson, a bridge per run', results.throughput.wasmObserveNdjsonBridgePerRun,
  `${x(results.ratios.bridgePerRunObserveNdjsonOverJsBaselineSpeed)} JS baseline speed (a bridge per run each); one bridge for all: ${x(results.ratios.wholeStreamOverBridgePerRunSpeed.wasm)} this speed`);
row('wasm observe (object per event)', results.throughput.wasmObserve,
  `${x(results.ratios.observeOverJsBaselineSpeed)} JS baseline speed, ${x(results.ratios.observeOverFloorTime)} floor time`);
row('bridge entry observe (object per event)', results.throughput.bridgeEntryObserve,
  `${x(results.ratios.bridgeEntryObserveOverJsBaselineSpeed)} JS baseline speed`);
row('JS baseline observeNdjson', results.throughput.jsBaselineObserveNdjson);
row('JS baseline observeNdjson, bridge/run', results.throughput.jsBaselineObserveNdjsonBridgePerRun,
  `one bridge for all: ${x(results.ratios.wholeStreamOverBridgePerRunSpeed.jsBaseline)} this speed`);
row('JS baseline observe', results.throughput.jsBaselineObserve);
row('floor: JSON.parse + JSON.stringify', results.throughput.jsonFloor);
row('run model ingestNdjson (all runs)', results.runModel.ingestNdjson, `${x(results.runModel.ingestNdjson.overJsonParseTime)} JSON.parse time`);
row('run model ingest (object per event)', results.runModel.ingestObjects,
  `${x(results.runModel.ingestObjects.overJsonParseTime)} JSON.parse time, ${x(results.runModel.ingestObjects.overIngestNdjsonTime)} ingestNdjson time`);
for (const k of Object.keys(exporters)) {
  console.log(`${`run model ${k}`.padEnd(38)} ${''.padStart(15)} ${results.runModel[k].ms.toFixed(1).padStart(9)} ms  ${x(results.runModel[k].overJsonParseTime)} JSON.parse time`);
}
console.log(`one bridge over the whole stream vs one bridge per run (${perRunCheck.runs} runs): wasm ${x(results.ratios.observeNdjsonOverJsBaselineSpeed)} vs ${x(results.ratios.bridgePerRunObserveNdjsonOverJsBaselineSpeed)} the JS baseline's speed; `
  + `entries agree apart from ids, ${perRunCheck.runIdsInEntries} runIds in them`);
const mb = (b) => `${(b / 1048576).toFixed(1)} MiB`;
console.log(`memory: ${memory.events} events in ${memory.chunks} chunks, at most ${memory.maxInFlight} in flight: wasm memory ${mb(memory.startBytes)} at start, ${mb(memory.afterFirstTenthBytes)} after the first tenth, peak ${mb(memory.peakBytes)} (${memory.flat ? 'flat' : 'GROWING'})`);
{
  const m = modelMemory;
  console.log(`run model memory: ${m.events} events (${m.runs} runs of ${m.stepsPerRun} steps) in ${m.chunks} pushNdjson chunks, maxRuns ${m.maxRuns}, maxFinishedAgeMs ${m.maxFinishedAgeMs}: `
    + `wasm memory ${mb(m.startBytes)} at start, ${mb(m.afterFirstTenthBytes)} after the first tenth, peak ${mb(m.peakBytes)} (${m.flat ? 'flat' : 'GROWING'}); `
    + `${m.eventsPerSec} ev/s; ${m.runsHeld} runs held at the end; evicted ${JSON.stringify(m.evicted)}`);
  if (!m.flat) console.log(`  grew after the first tenth at: ${m.grewAt.map((g) => `${g.events} events (${mb(g.bytes)})`).join(', ')}`);
}
for (const [name, w] of Object.entries(sizes)) console.log(sizeLine(name, w));
if (viewer) {
  console.log(`viewer: first timeline of a ${viewer.load.events}-event log in ${Number(viewer.load.firstRenderMs).toFixed(0)} ms = ${viewer.load.ratio}x JSON.parse of the file (target ${viewer.load.target}x); `
    + `zoom frames of a ${viewer.zoom.steps}-step run: mean ${viewer.zoom.frame.meanMs} ms = ${viewer.zoom.ratio}x JSON.parse of its file`);
}
if (native?.paths) {
  console.log('native core (criterion median; opt-level as the release profile):');
  for (const p of native.paths) {
    console.log(`  ${p.name.padEnd(40)} ${String(Math.round(p.eventsPerSec)).padStart(10)} ev/s  ${String(p.allocationsPerEvent).padStart(6)} allocs/event  ${String(p.bytesPerEvent).padStart(8)} bytes/event`);
  }
}

let failed = false;
for (const message of overBudget(sizes)) {
  console.error(`FAIL: ${message}`);
  failed = true;
}
if (!memory.flat) {
  console.error('FAIL: wasm memory grew after the first tenth of the stream');
  failed = true;
}
if (modelMemory.status !== 0) {
  console.error(modelMemory.flat
    ? `FAIL: the run model memory bench did not ingest every event (${modelMemory.accepted} of ${modelMemory.events}, ${modelMemory.errors} errors)`
    : 'FAIL: the run model\'s wasm memory grew after the first tenth of the stream (retention on)');
  failed = true;
}
if (native?.failed) {
  console.error('FAIL: the native benchmarks failed (see target/bench/native.log)');
  failed = true;
}
process.exitCode = failed ? 1 : 0;
