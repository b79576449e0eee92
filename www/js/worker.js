// The parsing worker: runs the wasm RunModel off the main thread, so a
// 100,000-event log never freezes the page. Messages in: {type: 'load', text,
// options}; out: {type: 'progress', done, total} then {type: 'done',
// snapshotJson, accepted, errors, ms} or {type: 'error', message}. The snapshot
// is lite (see details.js), as JSON text: a string crosses to the page as one
// copy and JSON.parse there is cheaper than deserialising a structured clone
// of the objects. {type: 'detail', gen, ref, id} answers one step's details.
import { init, RunModel } from '../pkg/browser.js';
import { ingestChunks } from './ingest.js';
import { exportOf } from './exports.js';
import { detailOf, splitSnapshot } from './details.js';

const ready = init(new URL('../pkg/dist/web/workflow_telemetry_bg.wasm', import.meta.url));
// The last loaded model and its steps' details stay alive for exports and the detail panel.
let current;
let split;

/** `model`'s snapshot, lite, as JSON text, keeping its details here. */
function publish(model) {
  split = splitSnapshot(model.snapshot());
  return JSON.stringify(split.snapshot);
}

self.addEventListener('message', async (ev) => {
  const { type, text, options, kind, id, gen, ref } = ev.data ?? {};
  if (type === 'detail') {
    self.postMessage({ type: 'detail', id, detail: detailOf(split, gen, ref) });
    return;
  }
  if (type === 'export') {
    try {
      if (!current) throw new Error('nothing loaded');
      self.postMessage({ type: 'exported', id, text: exportOf(current, kind, split?.details) });
    } catch (err) {
      self.postMessage({ type: 'exported', id, error: String(err?.message ?? err) });
    }
    return;
  }
  if (type === 'append') {
    // Live mode: more lines for the current model.
    try {
      await ready;
      current ??= new RunModel(options ?? {});
      const r = current.ingestNdjson(text);
      self.postMessage({ type: 'done', id, snapshotJson: publish(current), accepted: r.accepted, errors: r.errors, ms: 0 });
    } catch (err) {
      self.postMessage({ type: 'error', id, message: String(err?.message ?? err) });
    }
    return;
  }
  if (type !== 'load') return;
  const t0 = performance.now();
  try {
    await ready;
    const model = new RunModel(options ?? {});
    const { accepted, errors } = await ingestChunks(model, text, (done, total) => {
      self.postMessage({ type: 'progress', done, total });
    });
    const snapshotJson = publish(model);
    current?.free();
    current = model;
    self.postMessage({ type: 'done', snapshotJson, accepted, errors, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
});
