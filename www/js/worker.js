// The parsing worker: runs the wasm RunModel off the main thread, so a
// 100,000-event log never freezes the page. Messages in: {type: 'load', text,
// options}; out: {type: 'progress', done, total} then {type: 'done',
// snapshotJson, detailGen, accepted, errors, ms} or {type: 'error', message}.
// The snapshot is lite (see details.js), as JSON text written by the wasm: a
// string crosses to the page as one copy and JSON.parse there is cheaper than
// a structured clone of the objects. {type: 'detail', gen, ref, id} answers
// one step's details from the model.
import { init, RunModel } from '../pkg/browser.js';
import { ingestChunks } from './ingest.js';
import { exportOf } from './exports.js';
import { detailOf, publishLite } from './details.js';

const ready = init(new URL('../pkg/dist/web/workflow_telemetry_bg.wasm', import.meta.url));
// The last loaded model stays alive for exports and the detail panel, with
// what was last published of it.
let current;
let published;

self.addEventListener('message', async (ev) => {
  const { type, text, options, kind, id, gen, ref } = ev.data ?? {};
  if (type === 'detail') {
    self.postMessage({ type: 'detail', id, detail: detailOf(current, published, gen, ref) });
    return;
  }
  if (type === 'export') {
    try {
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
      published = publishLite(current);
      self.postMessage({ type: 'done', id, ...published, accepted: r.accepted, errors: r.errors, ms: 0 });
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
    const lite = publishLite(model);
    current?.free();
    [current, published] = [model, lite];
    self.postMessage({ type: 'done', ...lite, accepted, errors, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
});
