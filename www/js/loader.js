// Loading a log: from a file (picker or drop), pasted text or a same-origin
// URL. Parsing happens in a Web Worker; if workers are unavailable it runs on
// the main thread, through the same streaming ingestion (ingest.js), yielding
// to the page between chunks. Snapshots come back lite, their steps' details
// fetched one step at a time (details.js).
import { init, RunModel } from '../pkg/browser.js';
import { LIVE, ingestLog, yielder } from './ingest.js';
import { exportOf } from './exports.js';
import { publishLite, receiveLite } from './details.js';

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

/** A worker's `done` message as the result callers get: the snapshot parsed from its JSON parts. */
async function received({ snapshotParts, detailGen, ...rest }) {
  return { ...rest, snapshot: await receiveLite({ snapshotParts, detailGen }) };
}

/**
 * Parses `log` (text, or a File or Blob, streamed where it is parsed) into a
 * run snapshot. `onProgress(fraction)` reports 0..1. Resolves to `{snapshot,
 * accepted, rejected, errors, ms}`: `rejected` counts the rejected lines,
 * `errors` lists the first of them with the core's line numbers.
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
        if (msg.type === 'done') received(msg).then(resolve, reject);
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

let hereLoads = 0; // numbers the fallback's loads, so an overtaken one stops reading

async function parseHere(log, options, onProgress) {
  const mine = ++hereLoads;
  const t0 = performance.now();
  await init();
  const model = new RunModel(options ?? {});
  try {
    const { accepted, rejected, errors } = await ingestLog(model, log, {
      onProgress: (done, total) => onProgress?.(total ? done / total : 1),
      pause: yielder(12), // about a frame of work between paints
      cancelled: () => mine !== hereLoads,
    });
    if (mine !== hereLoads) throw new Error('superseded by a newer load');
    const snapshot = await receiveLite(publishLite(model));
    here?.free();
    [here, hereSnapshot] = [model, snapshot];
    return { snapshot, accepted, rejected, errors, ms: performance.now() - t0 };
  } catch (err) {
    model.free();
    throw err;
  }
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

/**
 * Live mode: ingests more whole NDJSON lines (each ending in a newline) into
 * the current model, each of `batches` (`[{ source, text }]`) on its source
 * (the producer the sidecar says it came from; `live` when it does not); no
 * batches only take a new snapshot (stalls are measured when one is taken).
 * Resolves to the new snapshot.
 */
export function append(batches, options) {
  const w = getWorker();
  if (!w) {
    return init().then(async () => {
      here ??= new RunModel(options ?? {});
      let accepted = 0;
      const errors = [];
      for (const b of batches) {
        const r = here.pushNdjson(b.text, { source: b.source ?? LIVE.source });
        accepted += r.accepted;
        errors.push(...r.errors);
      }
      hereSnapshot = await receiveLite(publishLite(here));
      return { snapshot: hereSnapshot, accepted, rejected: errors.length, errors, ms: 0 };
    });
  }
  const id = ++exportSeq;
  return new Promise((resolve, reject) => {
    const onMessage = (ev) => {
      if (ev.data?.id !== id) return;
      w.removeEventListener('message', onMessage);
      if (ev.data.type === 'done') received(ev.data).then(resolve, reject);
      else reject(new Error(ev.data.message));
    };
    w.addEventListener('message', onMessage);
    w.postMessage({ type: 'append', batches, options, id });
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
