// The event reader of `observe(event)`: copies the values of the fields the
// core reads (`FIELD_NAMES` in src/event/raw.rs, in
// that order) from the JS object straight into wasm memory, each as a tag and
// its scalar value, so that an event crosses without `JSON.stringify` in JS
// and a JSON parse in wasm (each about 12% of `observe`'s time in a
// `node --cpu-prof` profile). It decides nothing: the tags say what JSON
// would have held, and the core validates them as it validates a parsed line
// (event_reader.rs). Anything JSON would turn into something else or refuse
// is left to the JSON path. Loaded by the wasm-bindgen glue as a snippet.
//
// Two phases: every property is read first (getters, which are user code,
// may call into wasm, grow its memory or use another instance that shares
// this module), then the values are written, with no user code in between.

// Tags, as event_reader.rs reads them.
const ABSENT = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const STRING = 5;
/** JSON would change or refuse a value (an object, an array, a bigint, a lone surrogate), or a getter threw: the JSON path reads the event. */
const USE_JSON = -1;

const encoder = new TextEncoder();
/**
 * The field names, in the order of FIELD_NAMES (checked by `setup`): read
 * below as `event.kind`, `event.timestamp`, ... one property site each, which
 * V8 caches per shape; a loop over the names (one keyed site for all) made
 * the reader a third slower.
 */
const NAMES = ['kind', 'timestamp', 'runId', 'parentRunId', 'workflowName', 'jobId', 'stepId', 'modelName',
  'modelType', 'methodName', 'driver', 'error', 'errorType', 'userError', 'allowedFailure', 'executor'];
/** The kinds the core reads more than `kind` and `timestamp` of. */
let acted = new Set();
/** The values of the event being read: reused, unless a getter reads another event meanwhile. */
const shared = new Array(NAMES.length);
let depth = 0;
/** What the last `readEvent` read when it did not fit: its values, how many, the bytes they need at most. */
let pending = { values: shared, count: 0, needed: 0 };
/** Views of the buffer last written to (a new one when memory grew, or for another instance). */
let lastBuffer;
let bytes;
let view;

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
 * Reads the fields of `event`; then writes them at `ptr` in `memory` if they
 * fit in `cap` bytes. Returns the bytes written; or USE_JSON; or, when they
 * do not fit, minus the bytes they need at most (less than -1): the caller
 * makes room and calls `writeRead` for the same values, no getter run twice.
 */
export function readEvent(event, ptr, cap, memory) {
  // A getter may observe another event (on this bridge's sibling, or another
  // build sharing this module) while this one is read: it gets its own array.
  const values = depth === 0 ? shared : new Array(NAMES.length);
  let count;
  depth += 1;
  try {
    count = collect(event, values);
  } catch {
    // A getter threw: the JSON path reports the event.
    count = -1;
  } finally {
    depth -= 1;
  }
  const needed = count < 0 ? -1 : measure(values, count);
  if (needed < 0) {
    values.fill(undefined);
    return USE_JSON;
  }
  if (needed > cap) {
    pending = { values, count, needed };
    return -needed;
  }
  return write(values, count, ptr, memory);
}

/** Writes the values the last `readEvent` read (it answered that they did not fit). */
export function writeRead(ptr, cap, memory) {
  const { values, count, needed } = pending;
  pending = { values: shared, count: 0, needed: 0 };
  return needed > cap ? USE_JSON : write(values, count, ptr, memory);
}

/** Reads the fields into `values`: how many, or -1 if JSON would read the event otherwise. */
function collect(e, values) {
  if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.toJSON === 'function') return -1;
  const kind = e.kind;
  values[0] = kind;
  values[1] = e.timestamp;
  // Of another kind (method_output, job_started...) the core reads no more.
  if (typeof kind === 'string' && !acted.has(kind)) return 2;
  values[2] = e.runId;
  values[3] = e.parentRunId;
  values[4] = e.workflowName;
  values[5] = e.jobId;
  values[6] = e.stepId;
  values[7] = e.modelName;
  values[8] = e.modelType;
  values[9] = e.methodName;
  values[10] = e.driver;
  values[11] = e.error;
  values[12] = e.errorType;
  values[13] = e.userError;
  values[14] = e.allowedFailure;
  values[15] = e.executor;
  return 16;
}

/** The bytes the values need at most, or -1 if JSON would hold one differently. No user code runs here. */
function measure(values, count) {
  let needed = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    switch (typeof v) {
      case 'string':
        // At most 3 bytes of UTF-8 per UTF-16 unit. A lone surrogate is
        // refused by the JSON path; the encoder would replace it.
        if (!wellFormed(v)) return -1;
        needed += 5 + 3 * v.length;
        // Past what an i32 answer can say: JSON's to try.
        if (needed > 0x7fff0000) return -1;
        break;
      case 'number':
        needed += 9;
        break;
      case 'object':
        // null; any object (a Date, a boxed primitive, from any realm) or
        // array is JSON's to turn into what it would hold.
        if (v !== null) return -1;
        needed += 1;
        break;
      case 'bigint':
        return -1;
      default:
        needed += 1;
    }
  }
  return needed;
}

function wellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** Writes the collected values at `ptr`: the bytes written. No user code runs here. */
function write(values, count, ptr, memory) {
  const buffer = memory.buffer;
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    bytes = new Uint8Array(buffer);
    view = new DataView(buffer);
  }
  let at = ptr;
  for (let i = 0; i < count; i++) {
    const v = values[i];
    values[i] = undefined;
    switch (typeof v) {
      case 'string': {
        bytes[at] = STRING;
        let o = at + 5;
        let j = 0;
        const n = v.length;
        for (; j < n; j++) {
          const c = v.charCodeAt(j);
          if (c > 0x7f) break;
          bytes[o++] = c;
        }
        if (j < n) o += encoder.encodeInto(j === 0 ? v : v.slice(j), bytes.subarray(o)).written;
        view.setUint32(at + 1, o - at - 5, true);
        at = o;
        break;
      }
      case 'number':
        bytes[at] = NUMBER;
        view.setFloat64(at + 1, v, true);
        at += 9;
        break;
      case 'boolean':
        bytes[at++] = v ? TRUE : FALSE;
        break;
      case 'object':
        bytes[at++] = NULL;
        break;
      default:
        // undefined, and what JSON leaves out: functions, symbols.
        bytes[at++] = ABSENT;
    }
  }
  return at - ptr;
}
