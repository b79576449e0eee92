// Loading a log: from a file (picker or drop), pasted text or a same-origin
// URL. Parsing happens in a Web Worker; if workers are unavailable it runs on
// the main thread in chunks, yielding between them. Snapshots come back lite,
// their steps' details fetched one step at a time (details.js).
import { init, RunModel } from '../pkg/browser.js';
import { ingestChunks } from './ingest.js';
import { exportOf } from './exports.js';
import { publishLite, receiveLite } from './details.js';
import { textOf } from './ingest.js';

let worker;
let seq = 0;
let cancelLoad; // ends the worker load in flight when a newer one starts

function getWorker() {
  if (worker === undefined) {
    try {
      worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    } catch {
      worker = null;
    }
  }
  return worker;
}

/** A worker's `done` message as the result callers get: the snapshot parsed from its JSON text. */
function received({ snapshotJson, detailGen, ...rest }) {
  return { ...rest, snapshot: receiveLite({ snapshotJson, detailGen }) };
}

/**
 * Parses `log` (text, or a File or Blob, read where it is parsed) into a run
 * snapshot. `onProgress(fraction)` reports 0..1.
 */
export function parse(log, options, onProgress) {
  const w = getWorker();
  if (!w) return parseHere(log, options, onProgress);
  cancelLoad?.();
  const id = ++seq;
  return new Promise((resolve, reject) => {
    const stop = () => {
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
      cancelLoad = undefined;
    };
    const onMessage = (ev) => {
      const msg = ev.data;
      if (msg.loadId !== id) return; // a reply to another load, an export or a live append
      if (msg.type === 'progress') onProgress?.(msg.total ? msg.done / msg.total : 1);
      else {
        stop();
        if (msg.type === 'done') resolve(received(msg));
        else reject(new Error(msg.message));
      }
    };
    const onError = () => {
      stop();
      worker = null;
      parseHere(log, options, onProgress).then(resolve, reject);
    };
    cancelLoad = () => {
      stop();
      reject(new Error('superseded by a newer load'));
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage({ type: 'load', log, options, loadId: id });
  });
}

let here; // the main-thread fallback's last model, kept for exports and details
let hereSnapshot; // and the snapshot last made of it

async function parseHere(log, options, onProgress) {
  const t0 = performance.now();
  const text = await textOf(log);
  await init();
  const model = new RunModel(options ?? {});
  const pause = () => new Promise((r) => setTimeout(r, 0));
  const { accepted, errors } = await ingestChunks(model, text, (done, total) => onProgress?.(total ? done / total : 1), pause);
  const snapshot = receiveLite(publishLite(model));
  here?.free();
  [here, hereSnapshot] = [model, snapshot];
  return { snapshot, accepted, errors, ms: performance.now() - t0 };
}

let exportSeq = 0;

/** An export of the last loaded log: `entries`, `traces`, `jsonl`, `metrics`, `logs` or `logfmt`. */
export function exportLast(kind) {
  const w = worker;
  if (!w) return Promise.resolve().then(() => exportOf(here, kind));
  const id = ++exportSeq;
  return new Promise((resolve, reject) => {
    const onMessage = (ev) => {
      if (ev.data?.type !== 'exported' || ev.data.id !== id) return;
      w.removeEventListener('message', onMessage);
      if (ev.data.error) reject(new Error(ev.data.error));
      else resolve(ev.data.text);
    };
    w.addEventListener('message', onMessage);
    w.postMessage({ type: 'export', kind, id });
  });
}

/** Live mode: ingests more NDJSON lines into the current model; resolves to a new snapshot. */
export function append(text, options) {
  const w = getWorker();
  if (!w) {
    return init().then(() => {
      here ??= new RunModel(options ?? {});
      const r = here.ingestNdjson(text);
      hereSnapshot = receiveLite(publishLite(here));
      return { snapshot: hereSnapshot, accepted: r.accepted, errors: r.errors, ms: 0 };
    });
  }
  const id = ++exportSeq;
  return new Promise((resolve, reject) => {
    const onMessage = (ev) => {
      if (ev.data?.id !== id) return;
      w.removeEventListener('message', onMessage);
      if (ev.data.type === 'done') resolve(received(ev.data));
      else reject(new Error(ev.data.message));
    };
    w.addEventListener('message', onMessage);
    w.postMessage({ type: 'append', text, options, id });
  });
}

/**
 * The held-back details (transitions, telemetry, inputs, results) of the step
 * with `detailRef` `ref` in `snapshot`; undefined once a newer snapshot has
 * replaced it, or if the worker failed.
 */
export function stepDetail(snapshot, ref) {
  const w = worker;
  if (!w) return Promise.resolve(hereSnapshot === snapshot ? here?.stepDetail(ref) : undefined);
  const id = ++exportSeq;
  return new Promise((resolve) => {
    const done = (detail) => {
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
      resolve(detail);
    };
    const onMessage = (ev) => { if (ev.data?.type === 'detail' && ev.data.id === id) done(ev.data.detail); };
    const onError = () => done(undefined);
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage({ type: 'detail', gen: snapshot.detailGen, ref, id });
  });
}

/** Fetches a same-origin URL; anything else is refused. */
export async function fetchSameOrigin(src) {
  const url = new URL(src, location.href);
  if (url.origin !== location.origin) throw new Error(`refusing ${src}: only same-origin logs can be loaded`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${src}: HTTP ${res.status}`);
  return res.text();
}
