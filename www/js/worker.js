// The parsing worker: runs the wasm RunModel off the main thread, so a
// 100,000-event log never freezes the page. Messages in: {type: 'load', log,
// options, loadId} (log: text, or a File the worker reads itself); out:
// {type: 'progress', loadId, done, total} then {type: 'done', loadId,
// snapshotJson, detailGen, accepted, errors, ms} or {type: 'error', loadId,
// message}; a load overtaken by a newer one answers nothing. The snapshot is
// lite (see details.js), as JSON text written by the wasm: a string crosses
// to the page as one copy and JSON.parse there is cheaper than a structured
// clone of the objects. {type: 'detail', gen, ref, id} answers one step's
// details from the model.
import { init, RunModel } from '../pkg/browser.js';
import { ingestChunks, textOf } from './ingest.js';
import { exportOf } from './exports.js';
import { detailOf, publishLite } from './details.js';

const ready = init(new URL('../pkg/dist/web/workflow_telemetry_bg.wasm', import.meta.url));
// The last loaded model stays alive for exports and the detail panel, with
// what was last published of it.
let current;
let published;
let latestLoad;

self.addEventListener('message', async (ev) => {
  const { type, text, log, options, kind, id, gen, ref, loadId } = ev.data ?? {};
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
  latestLoad = loadId;
  const t0 = performance.now();
  try {
    const [body] = await Promise.all([textOf(log), ready]);
    if (loadId !== latestLoad) return;
    const model = new RunModel(options ?? {});
    const { accepted, errors } = await ingestChunks(model, body, (done, total) => {
      self.postMessage({ type: 'progress', loadId, done, total });
    });
    if (loadId !== latestLoad) {
      model.free();
      return;
    }
    const lite = publishLite(model);
    current?.free();
    [current, published] = [model, lite];
    self.postMessage({ type: 'done', loadId, ...lite, accepted, errors, ms: performance.now() - t0 });
  } catch (err) {
    if (loadId === latestLoad) self.postMessage({ type: 'error', loadId, message: String(err?.message ?? err) });
  }
});
