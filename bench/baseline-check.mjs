// Proves bench/baseline.mjs is a fair baseline: fed the same events, with the
// same injected clock and id generator, JsBridge produces exactly what the wasm
// TelemetryBridge produces. Exits 1 on the first input that differs.
//
//   node bench/baseline-check.mjs          # the check
//   node bench/baseline-check.mjs --time   # plus one (noisy) timing of both
//
// Inputs: the benchmark's seeded stream (20 runs x 50 steps, the full bench
// config stream, and a failure-heavy variant), the samples in www/samples, and
// an edge-case stream written below (bad lines, colon and Unicode names, nested
// runs, supersedes, secrets in error messages, out-of-order timestamps, ...).
// Each input goes through three paths on both bridges:
//   a. observeNdjson(whole text), then finalize();
//   b. observeNdjson in chunks of lines (state carried across calls), then
//      finalize(reason, at);
//   c. observe(object) per event (thrown EventErrors compared), finalize with a
//      multi-line reason, then events and finalize after finalize.
// Compared byte for byte: the entries NDJSON, every returned entry array
// (JSON.stringify, so key order counts), accepted, the line errors, stats(),
// inFlight, finalized and lastEventAt.
//
// One normalisation, and only one: the message of an `invalid_json` line
// error. The wasm reports serde_json's parser message ("expected value at line
// 1 column 1"), JsBridge V8's JSON.parse message ("Unexpected token ..."); the
// two parsers word their errors differently and no JS implementation could
// reproduce serde's text without re-implementing its parser. The line number,
// kind and (absent) field of those errors are still compared.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { swampStream } from './generate.mjs';
import { JsBridge } from './baseline.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { TelemetryBridge } = require(join(ROOT, 'pkg', 'node.cjs'));
const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'config.json'), 'utf8'));

/** Bridge options with a deterministic clock and id generator, fresh per bridge. */
function options(extra = {}) {
  let n = 0;
  let t = Date.UTC(2026, 1, 5, 12);
  return {
    parentInvocationId: 'parent-0001',
    version: '1.4.0',
    runtimeVersion: '2.1.0',
    platform: 'linux',
    idGenerator: () => `id-${++n}`,
    clock: () => (t += 7),
    ...extra,
  };
}

const PARSER_MESSAGE = 'invalid JSON: <parser message>';
const normaliseErrors = (errors) =>
  errors.map((e) => (e.kind === 'invalid_json' ? { ...e, message: PARSER_MESSAGE } : e));

// stats() is compared with its keys sorted: the wasm builds it with serde_json's
// json! macro, whose map sorts keys, while JsBridge keeps the order of
// BridgeStats in index.d.ts. Same keys and values either way.
function state(b) {
  const stats = Object.fromEntries(Object.entries(b.stats()).sort(([x], [y]) => (x < y ? -1 : 1)));
  return JSON.stringify({ stats, inFlight: b.inFlight, finalized: b.finalized, lastEventAt: b.lastEventAt });
}

/** Runs `fn` and returns its result or the error it threw, comparably. */
function attempt(fn) {
  try {
    return { ok: JSON.stringify(fn()) };
  } catch (e) {
    return { threw: `${e.name}: ${e.message} [field=${e.field}]` };
  }
}

let failures = 0;
let compared = 0;

function same(label, wasm, js) {
  compared++;
  if (wasm === js) return true;
  failures++;
  const a = String(wasm).split('\n');
  const b = String(js).split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  console.error(`MISMATCH ${label} (first difference at line ${i + 1})`);
  console.error(`  wasm: ${a[i]?.slice(0, 600)}`);
  console.error(`  js:   ${b[i]?.slice(0, 600)}`);
  return false;
}

function compareNdjson(label, wasm, js, text) {
  const w = wasm.observeNdjson(text);
  const j = js.observeNdjson(text);
  same(`${label}: entries`, w.entries, j.entries);
  same(`${label}: accepted`, w.accepted, j.accepted);
  same(`${label}: errors`, JSON.stringify(normaliseErrors(w.errors)), JSON.stringify(normaliseErrors(j.errors)));
  same(`${label}: state`, state(wasm), state(js));
  return { entries: w.entries, errors: w.errors.length };
}

function check(name, text, extra = {}) {
  const lines = text.split('\n');
  let entries = 0;

  // a. one batch, then finalize() on the clock.
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    const r = compareNdjson(`${name} [batch]`, wasm, js, text);
    entries = r.entries ? r.entries.split('\n').length - 1 : 0;
    same(`${name} [batch]: finalize`, JSON.stringify(wasm.finalize()), JSON.stringify(js.finalize()));
    same(`${name} [batch]: state after finalize`, state(wasm), state(js));
    console.log(`${name}: ${lines.length} lines, ${entries} entries, ${r.errors} rejected lines`);
    wasm.free();
  }

  // b. chunks of lines, then finalize(reason, at).
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    const size = Math.max(1, Math.ceil(lines.length / 7));
    for (let i = 0; i < lines.length; i += size) {
      compareNdjson(`${name} [chunk ${i / size}]`, wasm, js, lines.slice(i, i + size).join('\n'));
    }
    const at = '2026-02-05T13:00:00.000+01:00';
    same(`${name} [chunks]: finalize`, JSON.stringify(wasm.finalize('cancelled by operator', at)), JSON.stringify(js.finalize('cancelled by operator', at)));
    wasm.free();
  }

  // c. one object per event.
  {
    const wasm = new TelemetryBridge(options(extra));
    const js = new JsBridge(options(extra));
    lines.forEach((line, i) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return; // not JSON: nothing to hand to observe()
      }
      same(`${name} [observe] line ${i + 1}`, JSON.stringify(attempt(() => wasm.observe(event))), JSON.stringify(attempt(() => js.observe(event))));
    });
    same(`${name} [observe]: state`, state(wasm), state(js));
    const reason = 'workflow timed out\nat step 3';
    same(`${name} [observe]: finalize`, JSON.stringify(wasm.finalize(reason)), JSON.stringify(js.finalize(reason)));
    const late = { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' };
    same(`${name} [observe]: after finalize`, JSON.stringify(wasm.observe(late)), JSON.stringify(js.observe(late)));
    same(`${name} [observe]: bad event after finalize`, JSON.stringify(attempt(() => wasm.observe({ kind: 1 }))), JSON.stringify(attempt(() => js.observe({ kind: 1 }))));
    same(`${name} [observe]: finalize again`, JSON.stringify(wasm.finalize()), JSON.stringify(js.finalize()));
    same(`${name} [observe]: state after finalize`, state(wasm), state(js));
    wasm.free();
  }
  return entries;
}

// ----------------------------------------------------------- edge cases

const e = (o) => JSON.stringify(o);
const ts = (ms) => Date.UTC(2026, 1, 5, 11) + ms;
const edge = [
  '',
  '   ',
  '\u0085', // blank for Rust's trim, not for String#trim
  '\uFEFF', // not blank for Rust's trim, blank for String#trim
  // A step of the root run named by id before its `started` (no timestamp: the clock).
  e({ kind: 'model_resolved', runId: 'r1', jobId: 'j', stepId: 'early', modelType: 'early/type' }),
  e({ kind: 'method_executing', runId: 'r1', jobId: 'j', stepId: 'early', modelName: 'mm', methodName: 'm' }),
  `${e({ kind: 'started', runId: 'r1', workflowName: 'wf-one', timestamp: '2026-02-05T13:00:00,5+02:00' })}\r`,
  e({ kind: 'started', runId: 'r1', workflowName: 'renamed', timestamp: '2026-02-05T11:00:01Z' }),
  e({ kind: 'step_completed', runId: 'r1', jobId: 'j', stepId: 'early', executor: '' }),
  // Colon names (W1), drained by finalize.
  e({ kind: 'model_resolved', jobId: 'a:b', stepId: 'c', modelType: 'ab/c', timestamp: ts(10) }),
  e({ kind: 'method_executing', jobId: 'a:b', stepId: 'c', modelName: 'x', methodName: 'm1', driver: 'raw', timestamp: ts(11) }),
  e({ kind: 'method_executing', jobId: 'a', stepId: 'b:c', modelName: 'x', methodName: 'm2', timestamp: ts(12) }),
  // Supersede (W9).
  e({ kind: 'method_executing', jobId: 'j', stepId: 'twice', modelName: 'dup', methodName: 'first', timestamp: ts(20) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'twice', modelName: 'dup', methodName: 'second', timestamp: ts(25) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'twice', error: 'dup: token=abc123, user=ada; api_key: "k-9" done\nstack', errorType: '', userError: true, timestamp: ts(30) }),
  // Synthesised (pre-method) failures, structural failures.
  e({ kind: 'model_resolved', jobId: 'j', stepId: 'pre', modelType: 'pre/type', timestamp: ts(40) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'pre', error: 'Model not found: my-model (my-models, xmy-model) my-model.', modelName: 'my-model', methodName: '${{ inputs.method }}', driver: '', timestamp: ts(41) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'pre2', error: 'a bad apple', modelName: 'a', methodName: 'fit', timestamp: ts(42) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'structural', error: 'cycle detected', timestamp: ts(43) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'structural', error: 'empty', modelName: '', methodName: 'm', timestamp: ts(44) }),
  e({ kind: 'model_resolved', jobId: 'j', stepId: 'cleared', modelType: 'stale', timestamp: ts(45) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'cleared', timestamp: ts(46) }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'cleared', error: 'x', modelName: 'y', methodName: 'z', allowedFailure: true, timestamp: ts(47) }),
  // Nested run with the same names as the outer one (W4).
  e({ kind: 'model_resolved', jobId: 'j', stepId: 's', modelType: 'outer/type', timestamp: ts(50) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 's', modelName: 'outer', methodName: 'run', timestamp: ts(51) }),
  e({ kind: 'started', runId: 'r2', workflowName: 'inner-wf', timestamp: ts(52) }),
  e({ kind: 'model_resolved', runId: 'r2', jobId: 'j', stepId: 's', modelType: 'inner/type', timestamp: ts(53) }),
  e({ kind: 'method_executing', runId: 'r2', jobId: 'j', stepId: 's', modelName: 'inner', methodName: 'run', timestamp: ts(54) }),
  e({ kind: 'step_completed', runId: 'r2', jobId: 'j', stepId: 's', timestamp: ts(60) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 's', executor: 'worker-1', timestamp: ts(70) }),
  e({ kind: 'method_executing', runId: 'r3', jobId: 'j', stepId: 's', methodName: 'unknown-run', timestamp: ts(71) }),
  // Completion before the start (W12), fractional and offset timestamps.
  e({ kind: 'method_executing', jobId: 'j', stepId: 'backwards', methodName: 'm', timestamp: ts(100) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'backwards', timestamp: ts(90) }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'frac', methodName: 'm', timestamp: ts(200) + 0.9 }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 'frac', error: 'late', timestamp: '2026-02-05T10:30:00.123456789-0030' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 'epoch', methodName: 'm', timestamp: '0000-01-01T00:00:00Z' }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'epoch', timestamp: '2000-02-29t00:00:00.1z' }),
  // Unicode, control characters, empty names.
  e({ kind: 'method_executing', jobId: 'déploiement', stepId: '東京-🚀', modelName: '🚀rocket', methodName: 'lancer', timestamp: ts(300) }),
  e({ kind: 'step_failed', jobId: 'déploiement', stepId: '東京-🚀', error: '🚀rocket failed: 🚀rocket\u0001\u2028 tab\there 😀 password="hunter2"\r\nmore', timestamp: ts(310) }),
  e({ kind: 'method_executing', jobId: '', stepId: '', modelName: 'é', methodName: '', timestamp: ts(320) }),
  e({ kind: 'step_failed', jobId: '', stepId: '', error: 'éé é eé é', timestamp: ts(330) }),
  // Ignored kinds and extra fields.
  e({ kind: 'method_output', jobId: 'j', stepId: 's', line: 'token=secret', timestamp: ts(400) }),
  e({ kind: 'completed', runId: 'r1', jobs: [{ id: 'j' }], timestamp: ts(401) }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 'nothing-in-flight', dataHandles: [1, 2], timestamp: ts(402) }),
  // Rejected lines.
  'not json',
  '{"kind":"x",',
  '[1,2]',
  '42',
  '"started"',
  'null',
  e({ kind: 5 }),
  e({ event: 'job.lifecycle.start' }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 's' }),
  e({ kind: 'method_executing', jobId: 'j', stepId: 1, methodName: 'm' }),
  e({ kind: 'method_executing', runId: ['r'], jobId: 'j', stepId: 's', methodName: 'm' }),
  e({ kind: 'step_failed', jobId: 'j', stepId: 's', error: 'x', userError: 'yes' }),
  e({ kind: 'step_completed', jobId: 'j', stepId: 's', executor: {} }),
  e({ kind: 'started', runId: 'r9' }),
  e({ kind: 'x', timestamp: '2026-02-30T00:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00+24:00' }),
  e({ kind: 'x', timestamp: '2026-02-05T25:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-13-05T10:00:00Z' }),
  e({ kind: 'x', timestamp: '2026-02-05T10:00:00.Z' }),
  e({ kind: 'x', timestamp: 'yesterday' }),
  e({ kind: 'x', timestamp: 1e300 }),
  e({ kind: 'x', timestamp: true }),
  e({ kind: 'x', timestamp: { at: 1 } }),
  e({ kind: 'x', note: 'é'.repeat(400) }), // over maxLineBytes below in bytes, not in UTF-16 units
  e({ kind: 'method_executing', jobId: 'j', stepId: 'open', modelName: 'opened', methodName: 'still-running', driver: 'docker', timestamp: ts(500) }),
];

// ------------------------------------------------------------------ run

const inputs = [
  ['bench stream 20x50', swampStream({ runs: 20, steps: 50 }).join('\n'), {}],
  [`bench stream ${config.stream.runs}x${config.stream.steps} (bench config)`, swampStream(config.stream).join('\n'), {}],
  ['bench stream 10x30, 50% failures', swampStream({ runs: 10, steps: 30, failRate: 0.5, seed: 7 }).join('\n'), {}],
  ['www/samples/swamp-deploy.ndjson', readFileSync(join(ROOT, 'www', 'samples', 'swamp-deploy.ndjson'), 'utf8'), {}],
  ['www/samples/hostile-names.ndjson', readFileSync(join(ROOT, 'www', 'samples', 'hostile-names.ndjson'), 'utf8'), {}],
  ['edge cases', edge.join('\n'), {
    maxLineBytes: 700,
    invocationContext: { detectedAiTool: 'claude', isInteractive: false, agentSessionDetected: true, configuredAiTools: [] },
  }],
  ['edge cases, no parent, random ids', edge.join('\n'), { parentInvocationId: '', idGenerator: () => '' }],
];

for (const [name, text, extra] of inputs) {
  if (extra.idGenerator) {
    // Random ids cannot match: compare with the ids blanked out.
    checkRandomIds(name, text, extra);
  } else {
    check(name, text, extra);
  }
}

/** Both bridges fall back to random UUID v4 ids; everything else must match. */
function checkRandomIds(name, text, extra) {
  const wasm = new TelemetryBridge(options(extra));
  const js = new JsBridge(options(extra));
  const w = wasm.observeNdjson(text).entries;
  const j = js.observeNdjson(text).entries;
  const uuid = /"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/g;
  const count = (s) => (s.match(uuid) || []).length;
  same(`${name}: every id is a UUID v4`, count(w) === w.split('\n').length - 1, count(j) === j.split('\n').length - 1);
  same(`${name}: entries apart from ids`, w.replace(uuid, '"id":"<uuid>"'), j.replace(uuid, '"id":"<uuid>"'));
  console.log(`${name}: ${count(j)} entries with random ids`);
  wasm.free();
}

// Option and argument errors.
for (const bad of [undefined, [], {}, { parentInvocationId: 1 }, { parentInvocationId: 'p', clock: 1 },
  { parentInvocationId: 'p', maxLineBytes: 0 }, { parentInvocationId: 'p', invocationContext: { isInteractive: true } }]) {
  same(`options ${JSON.stringify(bad)}`, JSON.stringify(attempt(() => new TelemetryBridge(bad) && 'ok')), JSON.stringify(attempt(() => new JsBridge(bad) && 'ok')));
}
for (const [reason, at] of [[1, undefined], [undefined, 'soon'], [undefined, {}], [undefined, Number.NaN], ['', '2026-02-05T10:00:00Z']]) {
  const wasm = new TelemetryBridge(options());
  const js = new JsBridge(options());
  wasm.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
  js.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm' });
  same(`finalize(${reason}, ${at})`, JSON.stringify(attempt(() => wasm.finalize(reason, at))), JSON.stringify(attempt(() => js.finalize(reason, at))));
  wasm.free();
}

if (failures) {
  console.error(`FAIL: ${failures} of ${compared} comparisons differ`);
  process.exit(1);
}
console.log(`OK: ${compared} comparisons, wasm and JsBridge byte-identical` +
  ' (invalid_json messages normalised: serde_json and JSON.parse word them differently)');

// ------------------------------------------------------------- timing

if (process.argv.includes('--time')) {
  const text = swampStream(config.stream).join('\n');
  const best = (make) => {
    let ms = Infinity;
    for (let i = 0; i < config.repetitions; i++) {
      const b = make();
      const t0 = process.hrtime.bigint();
      b.observeNdjson(text);
      ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
      b.free();
    }
    return ms;
  };
  const wasmMs = best(() => new TelemetryBridge(options()));
  const jsMs = best(() => new JsBridge(options()));
  console.log(`timing (one process, best of ${config.repetitions}, noisy): observeNdjson on ${text.split('\n').length} events:` +
    ` wasm ${wasmMs.toFixed(1)} ms, JsBridge ${jsMs.toFixed(1)} ms (wasm/js ${(wasmMs / jsMs).toFixed(2)}x)`);
}
