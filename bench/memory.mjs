// Memory under a long stream, in a fresh process (so nothing else has grown
// the wasm memory first): ~1M events through one bridge in text chunks, with
// wasm linear memory sampled after every chunk. Memory only grows, so
// "flat" means the peak was already reached after the first tenth of the
// stream: nothing accumulates with history. Prints one JSON object.
// Usage: node bench/memory.mjs '<swampLines options JSON>' <chunkLines>
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { swampLines } from './generate.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const wt = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node.cjs'));
const stream = JSON.parse(process.argv[2] ?? '{"runs":3000,"steps":50,"outputLines":3,"jobEvents":true}');
const chunkLines = Number(process.argv[3] ?? 10000);

const startBytes = wt.wasmMemoryBytes();
const bridge = new wt.TelemetryBridge({ parentInvocationId: 'parent' });
const samples = [];
let pending = [];
let events = 0;
let entries = 0;
let maxInFlight = 0;
const flush = () => {
  const r = bridge.observeNdjson(pending.join('\n'));
  entries += r.entries.split('\n').length - 1;
  events += pending.length;
  pending = [];
  maxInFlight = Math.max(maxInFlight, bridge.inFlight);
  samples.push(wt.wasmMemoryBytes());
};
for (const line of swampLines(stream)) {
  pending.push(line);
  if (pending.length === chunkLines) flush();
}
if (pending.length) flush();
bridge.free();
const warm = samples[Math.floor(samples.length / 10)];
const peak = Math.max(...samples);
console.log(JSON.stringify({
  events,
  entries,
  chunks: samples.length,
  chunkLines,
  maxInFlight,
  startBytes,
  afterFirstTenthBytes: warm,
  peakBytes: peak,
  flat: peak === warm,
}));
