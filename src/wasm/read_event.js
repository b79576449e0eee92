// The event reader of `observe(event)`: copies the values of the fields the
// core reads (event_reader.rs's KEYS, in that order)
// from the JS object straight into wasm memory, each as a tag and its scalar
// value, so that an event crosses without `JSON.stringify` in JS and a JSON
// parse in wasm (each about 12% of `observe`'s time in a `node --cpu-prof`
// profile). It decides nothing: the tags say what JSON would have held, and
// the core validates them as it validates a parsed line (event_reader.rs).
// Loaded by the wasm-bindgen glue as a snippet.

// Tags, as event_reader.rs reads them.
const ABSENT = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const STRING = 5;
const ARRAY = 6;
const OBJECT = 7;
/** The value is one JSON would turn into something else (a `toJSON`, a boxed primitive) or refuse (a bigint): the JSON path reads the event. */
const USE_JSON = -1;
/** The buffer is too small: Rust grows it and asks again. */
const TOO_SMALL = -2;

const encoder = new TextEncoder();
/**
 * The field names, in the order of event_reader.rs's KEYS (checked by
 * `setup`): read below as `event.kind`, `event.timestamp`, ... one property
 * site each, which V8 caches per shape; a loop over the names (one keyed
 * site for all) made the reader a third slower.
 */
const NAMES = ['kind', 'timestamp', 'runId', 'parentRunId', 'workflowName', 'jobId', 'stepId', 'modelName',
  'modelType', 'methodName', 'driver', 'error', 'errorType', 'userError', 'allowedFailure', 'executor'];
/** The kinds the core reads more than `kind` and `timestamp` of. */
let acted = new Set();
// Views of the memory last written to. One module serves every wasm instance
// that imports it (the full and the bridge-only builds share this file), so
// the memory comes with each call, not once.
let memory;
let bytes = new Uint8Array(0);
let view = new DataView(bytes.buffer);

/**
 * Once per instance: the core's field names (which must be NAMES: `false` if
 * not, and the core then keeps to JSON) and the kinds it acts on (the same
 * for every build).
 */
export function setup(names, kinds) {
  acted = new Set(kinds);
  return names.length === NAMES.length && names.every((n, i) => n === NAMES[i]);
}

/**
 * Writes the fields of `event` at `ptr` (at most `cap` bytes): the number of
 * bytes written, or USE_JSON, or TOO_SMALL. Reads properties as `event.kind`
 * does; keys JSON.stringify would leave out (functions, symbols) are absent.
 */
export function readEvent(event, ptr, cap, wasmMemory) {
  // Exceptions (a getter that throws) are the JSON path's to report: one
  // thrown from here would unwind through the bridge.
  try {
    if (wasmMemory !== memory) {
      memory = wasmMemory;
      bytes = new Uint8Array(0);
    }
    return read(event, ptr, cap);
  } catch {
    return USE_JSON;
  }
}

function read(e, ptr, cap) {
  if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.toJSON === 'function') return USE_JSON;
  // Growing wasm memory detaches its old buffer (length 0): view the new one.
  if (bytes.byteLength === 0) {
    bytes = new Uint8Array(memory.buffer);
    view = new DataView(memory.buffer);
  }
  const end = ptr + cap;
  const kind = e.kind;
  let at = put(kind, ptr, end);
  if (at >= 0) at = put(e.timestamp, at, end);
  // Of another kind (method_output, job_started...) the core reads no more.
  if (at >= 0 && (typeof kind !== 'string' || acted.has(kind))) {
    at = put(e.runId, at, end);
    if (at >= 0) at = put(e.parentRunId, at, end);
    if (at >= 0) at = put(e.workflowName, at, end);
    if (at >= 0) at = put(e.jobId, at, end);
    if (at >= 0) at = put(e.stepId, at, end);
    if (at >= 0) at = put(e.modelName, at, end);
    if (at >= 0) at = put(e.modelType, at, end);
    if (at >= 0) at = put(e.methodName, at, end);
    if (at >= 0) at = put(e.driver, at, end);
    if (at >= 0) at = put(e.error, at, end);
    if (at >= 0) at = put(e.errorType, at, end);
    if (at >= 0) at = put(e.userError, at, end);
    if (at >= 0) at = put(e.allowedFailure, at, end);
    if (at >= 0) at = put(e.executor, at, end);
  }
  if (at < 0) return at;
  // A getter that called into wasm may have grown its memory, detaching
  // what was written.
  return bytes.byteLength !== 0 ? at - ptr : USE_JSON;
}

function put(v, at, end) {
  if (at + 9 > end) return TOO_SMALL;
  switch (typeof v) {
    case 'undefined':
    case 'function':
    case 'symbol':
      bytes[at] = ABSENT;
      return at + 1;
    case 'string':
      return putString(v, at, end);
    case 'number':
      bytes[at] = NUMBER;
      view.setFloat64(at + 1, v, true);
      return at + 9;
    case 'boolean':
      bytes[at] = v ? TRUE : FALSE;
      return at + 1;
    case 'object':
      if (v === null) {
        bytes[at] = NULL;
      } else if (Array.isArray(v)) {
        bytes[at] = ARRAY;
      } else if (typeof v.toJSON === 'function' || v instanceof String || v instanceof Number || v instanceof Boolean) {
        return USE_JSON;
      } else {
        bytes[at] = OBJECT;
      }
      return at + 1;
    default:
      return USE_JSON;
  }
}

/** STRING, the UTF-8 length (u32), the bytes: ASCII copied here, the rest by the encoder. */
function putString(s, at, end) {
  const n = s.length;
  if (at + 5 + n * 3 > end) return TOO_SMALL;
  bytes[at] = STRING;
  let o = at + 5;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    bytes[o++] = c;
  }
  if (i < n) o += encoder.encodeInto(i === 0 ? s : s.slice(i), bytes.subarray(o, end)).written;
  view.setUint32(at + 1, o - at - 5, true);
  return o;
}
