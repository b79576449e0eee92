// Feeds a log into a RunModel in chunks, reporting progress. Shared by the Web
// Worker (the normal path) and the main-thread fallback. Accepts NDJSON or a
// JSON array of events.

export const CHUNK_LINES = 5000;

/** The log as NDJSON text: a JSON array is re-serialised one event per line. */
export function toNdjson(text) {
  const head = text.trimStart();
  if (!head.startsWith('[')) return text;
  let events;
  try {
    events = JSON.parse(head);
  } catch (err) {
    throw new Error(`the file starts with "[" but is not a JSON array of events: ${err.message}`);
  }
  if (!Array.isArray(events)) throw new Error('expected a JSON array of events');
  return events.map((e) => JSON.stringify(e)).join('\n');
}

/**
 * Ingests `text` into `model` in chunks of whole lines. `onProgress(done, total)`
 * is called after each chunk; `pause()` (optional) is awaited between chunks so a
 * main-thread caller can let the page paint. Returns accepted count and errors
 * with line numbers in the whole text.
 */
export async function ingestChunks(model, text, onProgress, pause) {
  const ndjson = toNdjson(text);
  const lines = ndjson.split('\n');
  const total = lines.length;
  let accepted = 0;
  const errors = [];
  for (let start = 0; start < total; start += CHUNK_LINES) {
    const chunk = lines.slice(start, start + CHUNK_LINES).join('\n');
    const r = model.ingestNdjson(chunk);
    accepted += r.accepted;
    for (const e of r.errors) errors.push({ ...e, line: e.line + start });
    onProgress?.(Math.min(total, start + CHUNK_LINES), total);
    if (pause) await pause();
  }
  return { accepted, errors };
}
