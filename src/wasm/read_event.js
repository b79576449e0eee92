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
/** Per kind the core acts on, the fields it reads (bit i: NAMES[i]); any other kind, none. */
let fieldsOf = new Map();
/** The values of the event being read: reused, unless a getter reads another event meanwhile. */
const shared = new Array(NAMES.length);
let depth = 0;
/** What the last `readEvent` read when it did not fit: its values, how many, the bytes they need at most. */
let pending = { values: shared, count: 0, needed: 0, write: writeFields };
/**
 * Views of the memory last written to: new ones for another instance, or
 * when memory grew (its old buffer is then detached, of length 0). Checked
 * so, not by reading `memory.buffer` per event: that getter was 3% of the call.
 */
let lastMemory;
let bytes;
let view;
/** What `write` answers when the values do not fit: the caller measures them. */
const TOO_SMALL = -2;

/**
 * Once per instance: the core's field names (which must be NAMES: `false` if
 * not, and the core then keeps to JSON) and the fields each kind it acts on
 * reads (KIND_FIELDS, the same for every build), flat: a kind, its fields, ''.
 */
export function setup(names, kinds) {
  fieldsOf = new Map();
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    let mask = 0;
    while (kinds[++i] !== '') {
      const at = NAMES.indexOf(kinds[i]);
      if (at < 2) return false;
      mask |= 1 << at;
    }
    fieldsOf.set(kind, mask);
  }
  return names.length === NAMES.length && names.every((n, i) => n === NAMES[i]);
}

/**
 * Reads the fields of `event`; then writes them at `ptr` in `memory` if they
 * fit in `cap` bytes. Returns the bytes written; or USE_JSON; or, when they
 * do not fit, minus the bytes they need at most (less than -1): the caller
 * makes room and calls `writeRead` for the same values, no getter run twice.
 */
export function readEvent(event, ptr, cap, memory) {
  // Values left waiting for a `writeRead` that never came (memory refused
  // the room: that event went to JSON) must not show through in this one.
  forgetPending();
  // A getter may observe another event (on this bridge's sibling, or another
  // build sharing this module) while this one is read: it gets its own array.
  const values = depth === 0 ? shared : new Array(NAMES.length);
  const count = guarded(collect, event, values);
  // Written as they are read when they fit (most events, in one pass);
  // measured first when they do not.
  if (count < 0) {
    // A getter may have thrown midway: nothing read shows through in the next event.
    values.fill(undefined);
    return USE_JSON;
  }
  const written = writeFields(values, count, ptr, cap, memory);
  if (written !== TOO_SMALL) {
    for (let i = 0; i < count; i++) values[i] = undefined;
    return written;
  }
  return wait(values, count, measure(values, count), writeFields);
}

/**
 * Runs a collector (the phase where getters, user code, run) one level
 * deeper: how many slots it filled, or -1 when a getter threw (the JSON path
 * then reports the event).
 */
function guarded(collector, event, into) {
  depth += 1;
  try {
    return collector(event, into);
  } catch {
    return -1;
  } finally {
    depth -= 1;
  }
}

/** Keeps what did not fit for `writeRead`: minus the bytes it needs at most, or USE_JSON. */
function wait(values, count, needed, write) {
  if (needed < 0) {
    values.fill(undefined);
    return USE_JSON;
  }
  pending = { values, count, needed, write };
  return -needed;
}

/** Values left waiting for a `writeRead` that never came (memory refused the room: that event went to JSON) must not show through in the next. */
function forgetPending() {
  if (pending.count !== 0) {
    pending.values.fill(undefined);
    pending = { values: shared, count: 0, needed: 0, write: writeFields };
  }
}

/** Writes the values the last `readEvent` read (it answered that they did not fit). */
export function writeRead(ptr, cap, memory) {
  const { values, count, needed, write } = pending;
  pending = { values: shared, count: 0, needed: 0, write: writeFields };
  const written = needed > cap ? USE_JSON : write(values, count, ptr, cap, memory);
  values.fill(undefined);
  return written === TOO_SMALL ? USE_JSON : written;
}

/**
 * Reads into `values` the fields the event's kind reads (the others stay
 * undefined, written as absent): how many slots, or -1 if JSON would read the
 * event otherwise.
 */
function collect(e, values) {
  if (!jsonObject(e)) return -1;
  const kind = e.kind;
  values[0] = kind;
  values[1] = e.timestamp;
  // Of another kind (method_output, job_started...) the core reads no more;
  // of a kind that is not a string, it reads no more than that.
  const m = typeof kind === 'string' ? fieldsOf.get(kind) : undefined;
  if (m === undefined) return 2;
  if (m & 0x4) values[2] = e.runId;
  if (m & 0x8) values[3] = e.parentRunId;
  if (m & 0x10) values[4] = e.workflowName;
  if (m & 0x20) values[5] = e.jobId;
  if (m & 0x40) values[6] = e.stepId;
  if (m & 0x80) values[7] = e.modelName;
  if (m & 0x100) values[8] = e.modelType;
  if (m & 0x200) values[9] = e.methodName;
  if (m & 0x400) values[10] = e.driver;
  if (m & 0x800) values[11] = e.error;
  if (m & 0x1000) values[12] = e.errorType;
  if (m & 0x2000) values[13] = e.userError;
  if (m & 0x4000) values[14] = e.allowedFailure;
  if (m & 0x8000) values[15] = e.executor;
  // Up to the last field the kind reads.
  return 32 - Math.clz32(m);
}

/**
 * Whether JSON would write `e` as an object of its own keys: not null, an
 * array, something with `toJSON`, or a boxed primitive (a `new String`,
 * from any realm, which JSON writes as the primitive).
 */
function jsonObject(e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(e);
  return proto === Object.prototype || proto === null || !boxed(e);
}

/** The primitives' own `valueOf`s, which accept only their boxes (no user code runs in them). */
const UNBOX = [Number, String, Boolean, globalThis.BigInt].filter(Boolean).map((t) => t.prototype.valueOf);

function boxed(e) {
  for (const valueOf of UNBOX) {
    try {
      valueOf.call(e);
      return true;
    } catch {
      // Not this kind of box.
    }
  }
  return false;
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

/** The views of `memory`, renewed when they are another instance's or memory grew. */
function viewsOf(memory) {
  if (memory !== lastMemory || bytes.byteLength === 0) {
    lastMemory = memory;
    bytes = new Uint8Array(memory.buffer);
    view = new DataView(memory.buffer);
  }
}

/**
 * Writes the collected values at `ptr`, in at most `cap` bytes: the bytes
 * written; USE_JSON if JSON would hold a value differently; TOO_SMALL if they
 * do not fit. No user code runs here.
 */
function writeFields(values, count, ptr, cap, memory) {
  viewsOf(memory);
  const end = ptr + cap;
  let at = ptr;
  for (let i = 0; i < count; i++) {
    at = putValue(values[i], at, end);
    if (at < 0) return at;
  }
  return at - ptr;
}

/** Writes one value's tag and scalar at `at`: where it ends, or USE_JSON or TOO_SMALL. */
function putValue(v, at, end) {
  switch (typeof v) {
    case 'string':
      if (at + 1 > end) return TOO_SMALL;
      bytes[at] = STRING;
      return putString(v, at + 1, end);
    case 'number':
      if (at + 9 > end) return TOO_SMALL;
      bytes[at] = NUMBER;
      view.setFloat64(at + 1, v, true);
      return at + 9;
    case 'boolean':
      if (at + 1 > end) return TOO_SMALL;
      bytes[at] = v ? TRUE : FALSE;
      return at + 1;
    case 'object':
      // null; any object (a Date, a boxed primitive, from any realm) or
      // array is JSON's to turn into what it would hold.
      if (v !== null) return USE_JSON;
      if (at + 1 > end) return TOO_SMALL;
      bytes[at] = NULL;
      return at + 1;
    case 'bigint':
      return USE_JSON;
    default:
      // undefined, and what JSON leaves out: functions, symbols.
      if (at + 1 > end) return TOO_SMALL;
      bytes[at] = ABSENT;
      return at + 1;
  }
}

/** Writes a string as its UTF-8 length (u32) and bytes: where it ends, or USE_JSON or TOO_SMALL. */
function putString(v, at, end) {
  const n = v.length;
  // At most 3 bytes of UTF-8 per UTF-16 unit.
  if (at + 4 + 3 * n > end) return TOO_SMALL;
  let o = at + 4;
  let j = 0;
  for (; j < n; j++) {
    const c = v.charCodeAt(j);
    if (c > 0x7f) break;
    bytes[o++] = c;
  }
  if (j < n) {
    // A lone surrogate is refused by the JSON path; the encoder would replace it.
    if (!wellFormed(v)) return USE_JSON;
    o += encoder.encodeInto(j === 0 ? v : v.slice(j), bytes.subarray(o)).written;
  }
  view.setUint32(at, o - at - 4, true);
  return o;
}

// ------------------------------------------------- RunModel.ingest(object)

/** Tags of a member that is an array or an object (its JSON text follows). */
const ARRAY = 6;
const OBJECT = 7;
/** Keys, tags and values of the object being read: reused, as `shared` is. */
const sharedMembers = [];

/**
 * Reads every member of `event` JSON would write (own enumerable keys, in
 * order; undefined, functions and symbols left out), arrays and plain
 * objects as their JSON text; then writes them at `ptr` as a u32 count and,
 * per member, its key, a tag and its value. Answers as `readEvent` does.
 */
export function readObject(event, ptr, cap, memory) {
  forgetPending();
  const items = depth === 0 ? sharedMembers : [];
  items.length = 0;
  const count = guarded(collectMembers, event, items);
  const written = count < 0 ? USE_JSON : writeMembers(items, count, ptr, cap, memory);
  if (written !== TOO_SMALL) {
    items.length = 0;
    return written;
  }
  return wait(items, count, measureMembers(items, count), writeMembers);
}

/** Reads the members into `items` (key, tag, value per member): how many, or -1 if JSON's to read. */
function collectMembers(e, items) {
  if (!jsonObject(e)) return -1;
  let n = 0;
  for (const key of Object.keys(e)) {
    let v = e[key];
    let tag = 0;
    switch (typeof v) {
      case 'undefined':
      case 'function':
      case 'symbol':
        continue;
      case 'bigint':
        return -1;
      case 'object':
        if (v === null) break;
        if (Array.isArray(v)) tag = ARRAY;
        else {
          const proto = Object.getPrototypeOf(v);
          // A Date, a boxed primitive, a class instance, another realm's
          // object: JSON decides what the whole event holds.
          if (proto !== Object.prototype && proto !== null) return -1;
          tag = OBJECT;
        }
        v = JSON.stringify(v);
        // A toJSON inside made it something else.
        if (typeof v !== 'string' || v.charCodeAt(0) !== (tag === ARRAY ? 0x5b : 0x7b)) return -1;
        break;
      default:
    }
    items.push(key, tag, v);
    n++;
  }
  return n;
}

/** Writes the members: the bytes written, USE_JSON or TOO_SMALL. No user code runs here. */
function writeMembers(items, count, ptr, cap, memory) {
  viewsOf(memory);
  const end = ptr + cap;
  if (ptr + 4 > end) return TOO_SMALL;
  view.setUint32(ptr, count, true);
  let at = ptr + 4;
  for (let i = 0; i < 3 * count; i += 3) {
    at = putString(items[i], at, end);
    if (at < 0) return at;
    const tag = items[i + 1];
    if (tag === 0) {
      at = putValue(items[i + 2], at, end);
    } else {
      if (at + 1 > end) return TOO_SMALL;
      bytes[at] = tag;
      at = putString(items[i + 2], at + 1, end);
    }
    if (at < 0) return at;
  }
  return at - ptr;
}

/** The bytes the members need at most, or USE_JSON. */
function measureMembers(items, count) {
  let needed = 4;
  for (let i = 0; i < 3 * count; i += 3) {
    const key = items[i];
    const v = items[i + 2];
    if (!wellFormed(key)) return USE_JSON;
    needed += 4 + 3 * key.length;
    if (items[i + 1] === 0) {
      const m = measure([v], 1);
      if (m < 0) return USE_JSON;
      needed += m;
    } else {
      if (!wellFormed(v)) return USE_JSON;
      needed += 5 + 3 * v.length;
    }
    if (needed > 0x7fff0000) return USE_JSON;
  }
  return needed;
}
