// The parsing worker: runs the wasm RunModel off the main thread, so a
// 100,000-event log never freezes the page. Messages in: {type: 'load', log,
// options, loadId} (log: text, or a File the worker streams itself); out:
// {type: 'progress', loadId, done, total} (bytes of a file, code units of
// text) then {type: 'done', loadId, snapshotParts, detailGen, accepted,
// rejected, errors, ms} or {type: 'error', loadId, message}; a load overtaken
// by a newer one stops reading and answers nothing. The log reaches the model
// only through the core's streaming reader (ingest.js). The snapshot is lite
// (see details.js), as JSON text in parts written by the wasm: strings cross
// to the page as one copy each, and JSON.parse there, a part per task, is
// cheaper than a structured clone of the objects. {type: 'append', batches: [{source, text}], options, id}
// (live mode) feeds whole lines of the live stream into the current model,
// each batch on its source (no batches only re-publish it, so stalls show); {type: 'detail', gen, ref, id} answers
// one step's details from the model.
import { init, RunModel } from '../pkg/browser.js';
import { LIVE, ingestLog, yielder } from './ingest.js';
import { exportOf } from './exports.js';
import { detailOf, publishLite } from './details.js';

/** At most one progress message per this many ms (and always the last). */
const PROGRESS_MS = 30;

const ready = init(new URL('../pkg/dist/web/workflow_telemetry_bg.wasm', import.meta.url));
// The last loaded model stays alive for exports and the detail panel, with
// what was last published of it.
let current;
let published;
let latestLoad;

self.addEventListener('message', async (ev) => {
  const { type, batches, log, options, kind, id, gen, ref, loadId } = ev.data ?? {};
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
    // Live mode: more whole lines for the current model, each batch on its
    // source (the sidecar's producers stay apart, as in its own model).
    try {
      await ready;
      current ??= new RunModel(options ?? {});
      let accepted = 0;
      const errors = [];
      for (const b of batches ?? []) {
        const r = current.pushNdjson(b.text, { source: b.source ?? LIVE.source });
        accepted += r.accepted;
        errors.push(...r.errors);
      }
      published = publishLite(current);
      self.postMessage({ type: 'done', id, ...published, accepted, rejected: errors.length, errors, ms: 0 });
    } catch (err) {
      self.postMessage({ type: 'error', id, message: String(err?.message ?? err) });
    }
    return;
  }
  if (type !== 'load') return;
  latestLoad = loadId;
  const t0 = performance.now();
  let model;
  try {
    await ready;
    if (loadId !== latestLoad) return;
    model = new RunModel(options ?? {});
    let postedAt = -Infinity;
    const result = await ingestLog(model, log, {
      onProgress: (done, total) => {
        const now = performance.now();
        if (done < total && now - postedAt < PROGRESS_MS) return;
        postedAt = now;
        self.postMessage({ type: 'progress', loadId, done, total });
      },
      // Now and then a task boundary, so a newer load's message gets in and
      // stops this one.
      pause: yielder(50),
      cancelled: () => loadId !== latestLoad,
    });
    if (loadId !== latestLoad) return;
    const lite = publishLite(model);
    current?.free();
    [current, published] = [model, lite];
    model = undefined;
    const { accepted, rejected, errors } = result;
    self.postMessage({ type: 'done', loadId, ...lite, accepted, rejected, errors, ms: performance.now() - t0 });
  } catch (err) {
    if (loadId === latestLoad) self.postMessage({ type: 'error', loadId, message: String(err?.message ?? err) });
  } finally {
    model?.free();
  }
});
