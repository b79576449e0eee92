// Memory of the run model under a long stream, with retention on, in a fresh
// process (so nothing else has grown the wasm memory first): tens of
// thousands of runs, one after another on one source, pushed through ONE
// RunModel in text chunks (`pushNdjson`, as a tailer or an HTTP body hands
// them over), with wasm linear memory sampled after every chunk. Retention
// (`maxRuns`, `maxFinishedAgeMs`) bounds the runs held, so memory must stop
// growing: wasm memory only grows, and "flat" means the peak was already
// reached after the first tenth of the stream. The model's clock is the
// stream's own time (the last timestamp of the chunk being pushed), so
// `maxFinishedAgeMs` ages runs as the stream goes, however fast it is read.
//
// Prints one JSON object; exits 1 when memory grew after the first tenth.
// Usage: node bench/model-memory.mjs '<{ stream, maxRuns, maxFinishedAgeMs } JSON>' <chunkLines>
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { swampLines } from './generate.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const wt = createRequire(import.meta.url)(join(ROOT, 'pkg', 'node.cjs'));
const DEFAULTS = {
  stream: { runs: 20000, steps: 40, failRate: 0.05, seed: 44, outputLines: 1, jobEvents: true },
  maxRuns: 1000,
  maxFinishedAgeMs: 3_600_000,
};
const config = { ...DEFAULTS, ...JSON.parse(process.argv[2] ?? '{}') };
const chunkLines = Number(process.argv[3] ?? 10000);

const startBytes = wt.wasmMemoryBytes();
let now = 0;
let ids = 0;
const model = new wt.RunModel({
  maxRuns: config.maxRuns,
  maxFinishedAgeMs: config.maxFinishedAgeMs,
  clock: () => now,
  idGenerator: () => `id-${++ids}`,
});
const samples = [];
let pending = [];
let events = 0;
let accepted = 0;
let errors = 0;
let ingestNs = 0n;
let maxRunsHeld = 0;
let maxInFlight = 0;
const ingest = (call) => {
  const t0 = process.hrtime.bigint();
  const r = call();
  ingestNs += process.hrtime.bigint() - t0;
  accepted += r.accepted;
  errors += r.errors.length;
};
const flush = () => {
  now = JSON.parse(pending[pending.length - 1]).timestamp;
  const text = `${pending.join('\n')}\n`;
  events += pending.length;
  pending = [];
  ingest(() => model.pushNdjson(text));
  maxRunsHeld = Math.max(maxRunsHeld, model.runCount);
  maxInFlight = Math.max(maxInFlight, model.inFlight);
  samples.push(wt.wasmMemoryBytes());
};
for (const line of swampLines(config.stream)) {
  pending.push(line);
  if (pending.length === chunkLines) flush();
}
if (pending.length) flush();
ingest(() => model.endNdjson());
const runsHeld = model.runCount;
// After the samples: the snapshot's own buffers are not part of the stream's memory.
const snapshot = model.snapshot();
const evicted = snapshot.evicted;
const statuses = {};
for (const run of snapshot.runs) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
model.free();

const tenth = Math.floor(samples.length / 10);
const warm = samples[tenth];
const peak = Math.max(...samples);
// Where memory grew after the first tenth (the first 20 times): once late, or
// steadily with history.
const grewAt = [];
for (let i = tenth + 1; i < samples.length && grewAt.length < 20; i++) {
  if (samples[i] > samples[i - 1]) grewAt.push({ chunk: i, events: Math.min(events, (i + 1) * chunkLines), bytes: samples[i] });
}
const ingestMs = Number(ingestNs) / 1e6;
const result = {
  runs: config.stream.runs,
  stepsPerRun: config.stream.steps,
  events,
  accepted,
  errors,
  chunks: samples.length,
  chunkLines,
  maxRuns: config.maxRuns,
  maxFinishedAgeMs: config.maxFinishedAgeMs,
  runsHeld,
  maxRunsHeld,
  maxInFlight,
  statusesHeld: statuses,
  evicted,
  ingestMs,
  eventsPerSec: Math.round(events / (ingestMs / 1000)),
  startBytes,
  afterFirstTenthBytes: warm,
  peakBytes: peak,
  grewAt,
  flat: peak === warm,
};
console.log(JSON.stringify(result));
process.exitCode = result.flat && errors === 0 && accepted === events ? 0 : 1;
