// Feeds a log into a RunModel, reporting progress. Shared by the Web Worker
// (the normal path) and the main-thread fallback. The page does no framing of
// its own: every chunk goes to the core's one streaming NDJSON reader
// (`model.pushNdjson`, then `model.endNdjson`), which cuts lines, numbers them
// across chunks, reads a JSON array element by element, and skips an overlong
// line without buffering it.
//
// - A File or Blob is read as bytes (`blob.stream()`: Uint8Array chunks cut
//   anywhere, even inside a UTF-8 character, handed over in pieces of at most
//   TEXT_SLICE bytes); progress is in bytes.
// - Text (pasted, or fetched for `?src=`) is handed over in slices of
//   TEXT_SLICE UTF-16 code units, cut anywhere but never between the two
//   halves of a surrogate pair (a string crossing into wasm must be valid
//   UTF-16); progress is in code units.

/** UTF-16 code units of text (or bytes of a file) per `pushNdjson` call. */
export const TEXT_SLICE = 1 << 18;

/** The ingest options of the live mode's events: one stream, `live`. */
export const LIVE = { source: 'live' };

/** Errors kept (with their line numbers) for the page; the rest are only counted. */
export const MAX_ERRORS = 10_000;

/**
 * Where a slice of `text` from `start`, about `size` code units long, ends:
 * never between a high and a low surrogate. Always after `start` (unless the
 * text ends there).
 */
export function sliceEnd(text, start, size) {
  let end = Math.min(text.length, start + Math.max(1, size));
  if (end < text.length) {
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end += end - 1 > start ? -1 : 1;
  }
  return end;
}

/**
 * The chunks of a log, each with progress: `{ chunk, done, total }`. A string
 * is cut in slices of `size` code units (one empty slice for an empty
 * string); a Blob or File is read through its byte stream (cancelled if the
 * caller stops early), each chunk it delivers (Chromium's are megabytes) cut
 * in views of at most `size` bytes, so progress and pauses come often.
 */
export async function* chunksOf(log, size = TEXT_SLICE) {
  if (typeof log === 'string') {
    let start = 0;
    do {
      const end = sliceEnd(log, start, size);
      yield { chunk: log.slice(start, end), done: end, total: log.length };
      start = end;
    } while (start < log.length);
    return;
  }
  const total = log.size;
  const reader = log.stream().getReader();
  let done = 0;
  let finished = false;
  try {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      for (let at = 0; at < value.byteLength; at += size) {
        const piece = value.byteLength <= size ? value : value.subarray(at, at + size);
        done += piece.byteLength;
        yield { chunk: piece, done, total };
      }
    }
    finished = true;
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}

/**
 * A pause for between chunks: yields to the event loop (a task, so the page
 * can paint and messages can arrive) once at least `everyMs` of work has
 * passed since the last yield; otherwise returns at once.
 */
export function yielder(everyMs = 12) {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < everyMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    since = performance.now();
  };
}

/**
 * Ingests `log` (text, or a File or Blob) into `model` as the stream `source`.
 * `onProgress(done, total)` is called after each chunk (bytes of a Blob, code
 * units of text; chunks of at most `sliceSize`); `pause()` (optional) is
 * awaited between chunks; `cancelled()` (optional) is asked after each, and a
 * true answer stops the reading (the result then has `cancelled: true`, and
 * the model is left mid-stream). Returns the accepted count, the count of rejected lines, and
 * the first MAX_ERRORS errors, their line numbers the core's (absolute in the
 * log, whatever the chunking).
 */
export async function ingestLog(model, log, {
  source = typeof log === 'string' ? 'text' : 'file', onProgress, pause, cancelled, sliceSize = TEXT_SLICE,
} = {}) {
  const options = { source };
  let accepted = 0;
  let rejected = 0;
  const errors = [];
  const take = (r) => {
    accepted += r.accepted;
    rejected += r.errors.length;
    for (const e of r.errors) if (errors.length < MAX_ERRORS) errors.push(e);
  };
  for await (const { chunk, done, total } of chunksOf(log, sliceSize)) {
    take(model.pushNdjson(chunk, options));
    onProgress?.(done, total);
    if (pause) await pause();
    if (cancelled?.()) return { accepted, rejected, errors, cancelled: true };
  }
  take(model.endNdjson(options));
  return { accepted, rejected, errors };
}
