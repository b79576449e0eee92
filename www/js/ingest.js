// Feeds a log into a RunModel in chunks, reporting progress. Shared by the Web
// Worker (the normal path) and the main-thread fallback. Accepts NDJSON or a
// JSON array of events.

export const CHUNK_LINES = 5000;

/** A log's text: itself, or a File's or Blob's contents. */
export async function textOf(log) {
  return typeof log === 'string' ? log : log.text();
}

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
 * Ingests `text` into `model` in chunks of whole lines. `onProgress(done,
 * total)` is called after each chunk (in characters of the NDJSON); `pause()`
 * (optional) is awaited between chunks so a main-thread caller can let the
 * page paint. Returns accepted count and errors with line numbers in the whole
 * text. Chunks are slices of the text cut at line ends: no array of lines is
 * built.
 */
export async function ingestChunks(model, text, onProgress, pause) {
  const ndjson = toNdjson(text);
  const total = ndjson.length;
  let accepted = 0;
  let linesBefore = 0;
  const errors = [];
  let start = 0;
  do {
    // Through the end of the CHUNK_LINES-th line from `start`, or of the text.
    let end = start;
    let lines = 0;
    while (lines < CHUNK_LINES && end < total) {
      const nl = ndjson.indexOf('\n', end);
      end = nl < 0 ? total : nl + 1;
      lines += 1;
    }
    const r = model.ingestNdjson(ndjson.slice(start, end));
    accepted += r.accepted;
    for (const e of r.errors) errors.push({ ...e, line: e.line + linesBefore });
    linesBefore += lines;
    start = end;
    onProgress?.(start, total);
    if (pause) await pause();
  } while (start < total);
  return { accepted, errors };
}
