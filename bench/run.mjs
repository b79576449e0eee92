// `make bench`: the bridge's batch path measured side by side with the floor any
// JS-fed implementation pays (JSON.parse of every input line plus
// JSON.stringify of as many entries), in one Node process on the same input.
// Writes target/bench/results.json and prints a table. Ratios are what to read:
// absolute times on shared machines are noisy.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { swampStream } from './generate.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { TelemetryBridge } = require(join(ROOT, 'pkg', 'node.cjs'));
const config = JSON.parse(readFileSync(join(ROOT, 'bench', 'config.json'), 'utf8'));

const lines = swampStream(config.stream);
const text = lines.join('\n');
const events = lines.length;

function best(fn, reps) {
  let bestMs = Infinity;
  let result;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < bestMs) bestMs = ms;
  }
  return { ms: bestMs, result };
}

let n = 0;
const ids = () => `id-${++n}`;
const ndjson = best(() => {
  const b = new TelemetryBridge({ parentInvocationId: 'p', idGenerator: ids });
  const r = b.observeNdjson(text);
  b.free();
  return r.entries.length ? r.entries.split('\n').length - 1 : 0;
}, config.repetitions);
const entries = ndjson.result;
const parsed = lines.map((l) => JSON.parse(l));
const perObject = best(() => {
  const b = new TelemetryBridge({ parentInvocationId: 'p', idGenerator: ids });
  let k = 0;
  for (const e of parsed) k += b.observe(e).length;
  b.free();
  return k;
}, config.repetitions);
const sampleEntry = JSON.parse(text.length ? (() => {
  const b = new TelemetryBridge({ parentInvocationId: 'p' });
  return b.observeNdjson(lines.slice(0, 6).join('\n')).entries.split('\n')[0] || '{}';
})() : '{}');
const floor = best(() => {
  let k = 0;
  for (const l of lines) k += JSON.parse(l).kind.length;
  for (let i = 0; i < entries; i++) k += JSON.stringify(sampleEntry).length;
  return k;
}, config.repetitions);

const wasm = readFileSync(join(ROOT, 'pkg', 'dist', 'web', 'workflow_telemetry_bg.wasm'));
const gz = gzipSync(wasm, { level: 9 }).length;
const eps = (ms) => Math.round(events / (ms / 1000));
const results = {
  events,
  entries,
  observeNdjson: { ms: ndjson.ms, eventsPerSec: eps(ndjson.ms) },
  observe: { ms: perObject.ms, eventsPerSec: eps(perObject.ms) },
  jsonFloor: { ms: floor.ms, eventsPerSec: eps(floor.ms) },
  ratios: {
    observeNdjsonOverFloorTime: ndjson.ms / floor.ms,
    observeOverFloorTime: perObject.ms / floor.ms,
  },
  wasm: { rawBytes: wasm.length, gzipBytes: gz, gzipBudgetBytes: config.gzipBudgetBytes },
};
mkdirSync(join(ROOT, 'target', 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'target', 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

const row = (name, r, note = '') => console.log(`${name.padEnd(34)} ${String(r.eventsPerSec).padStart(12)} ev/s ${r.ms.toFixed(1).padStart(9)} ms ${note}`);
console.log(`input: ${events} events, ${entries} entries (seeded; best of ${config.repetitions})`);
row('wasm observeNdjson (batch text)', results.observeNdjson, `${results.ratios.observeNdjsonOverFloorTime.toFixed(2)}x floor time`);
row('wasm observe (object per event)', results.observe, `${results.ratios.observeOverFloorTime.toFixed(2)}x floor time`);
row('floor: JSON.parse + JSON.stringify', results.jsonFloor);
console.log(`wasm size: ${wasm.length} bytes raw, ${gz} bytes gzip -9 (budget ${config.gzipBudgetBytes})`);
if (gz > config.gzipBudgetBytes) {
  console.error(`FAIL: gzipped wasm ${gz} bytes exceeds the budget of ${config.gzipBudgetBytes} bytes`);
  process.exit(1);
}
