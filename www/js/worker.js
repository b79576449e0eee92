// The parsing worker: runs the wasm RunModel off the main thread, so a
// 100,000-event log never freezes the page. Messages in: {type: 'load', text,
// options}; out: {type: 'progress', done, total} then {type: 'done', snapshot,
// accepted, errors, ms} or {type: 'error', message}.
import { init, RunModel } from '../pkg/browser.js';
import { ingestChunks } from './ingest.js';
import { exportOf } from './exports.js';

const ready = init(new URL('../pkg/dist/web/workflow_telemetry_bg.wasm', import.meta.url));
// The last loaded model stays alive for exports.
let current;

self.addEventListener('message', async (ev) => {
  const { type, text, options, kind, id } = ev.data ?? {};
  if (type === 'export') {
    try {
      if (!current) throw new Error('nothing loaded');
      self.postMessage({ type: 'exported', id, text: exportOf(current, kind) });
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
      self.postMessage({ type: 'done', id, snapshot: current.snapshot(), accepted: r.accepted, errors: r.errors, ms: 0 });
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
    const snapshot = model.snapshot();
    current?.free();
    current = model;
    self.postMessage({ type: 'done', snapshot, accepted, errors, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
});
