// A plain-JavaScript implementation of the TelemetryBridge, for the benchmark
// only (not shipped): the yardstick the wasm bridge is measured against.
//
// It has the same semantics as the Rust bridge (src/bridge, src/entry,
// src/event, src/time) and produces the same entries, byte for byte, in the
// same key order (bench/baseline-check.mjs proves it on the bench stream and
// the samples). It is written the way a competent JS developer would write it:
// JSON.parse / JSON.stringify, Maps keyed by strings, plain objects, no
// caching tricks and no deliberate slowness.
//
//   const b = new JsBridge({ parentInvocationId, version, runtimeVersion,
//                            platform, invocationContext, clock, idGenerator,
//                            sink, maxLineBytes });
//   b.observe(event)        -> entries closed by this event (plain objects)
//   b.observeNdjson(text)   -> { entries: NDJSON string, accepted, errors }
//   b.finalize(reason?, at?) -> entries drained (idempotent)
//   b.inFlight, b.finalized, b.lastEventAt, b.sinkErrors, b.stats(), b.free()
//
// Runs (src/bridge/runs.rs states the rules): a bridge is one source, which
// carries any number of runs one after another. A `started` while no run is
// active starts a root; the root's `completed`/`error` ends it and its nested
// runs (open invocations drained as TERMINATED); a `started` while a run is
// active is nested when it names an active `parentRunId` or an active run
// (innermost first) has an open workflow-task step (step_started, nothing
// else), and ends with that step or a `completed`/`error` naming it;
// otherwise the active runs were abandoned (open invocations drained as
// ABANDONED) and it is a new root. Step events of no active run wait for the
// next root. An entry's runId/workflowName are resolved when it closes.
//
// Known differences from the wasm bridge (outside what the bench exercises):
// - the message of an `invalid_json` line error is V8's JSON.parse message,
//   not serde_json's (line, kind and field are the same);
// - serde_json refuses a few texts JSON.parse accepts (numbers beyond f64
//   range, lone surrogate escapes, nesting deeper than 128); here they parse;
// - `observe(object)` reads the object directly instead of round-tripping it
//   through JSON.stringify, so exotic values (Dates, toJSON, BigInt) differ;
// - `observeNdjson` reads lines only: the wasm also reads a text whose first
//   character is `[` as one JSON array of events and drops a leading
//   byte-order mark; there is no `pushNdjson`/`endNdjson` here.

const REDACTED = '<REDACTED>';
/** The message of invocations drained by `finalize()` without a reason. */
export const TERMINATED = 'workflow run terminated before completion';
/** The message of an invocation replaced by a repeated `method_executing`. */
export const SUPERSEDED = 'superseded by a repeated method_executing for the same step';
/** The message of invocations open when their run was abandoned. */
export const ABANDONED = 'workflow run abandoned: another run started on the same source before it ended';

// The parameter filter the bridge applies to error messages (Tasker's defaults).
const FILTERS = ['passw', 'email', 'secret', 'token', '_key', 'crypt', 'salt', 'certificate', 'otp', 'ssn'];
const MASK = '[REDACTED]';

// Instants are epoch milliseconds limited to four-digit years, as in src/time.rs.
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const DEFAULT_MAX_LINE_BYTES = 1 << 20;

// ------------------------------------------------------------------ errors

class EventError extends TypeError {
  constructor(message, field) {
    super(message);
    this.name = 'EventError';
    this.field = field;
  }
}

function argumentError(field, expected) {
  const e = new TypeError(`${field}: expected ${expected}`);
  e.name = 'ArgumentError';
  e.field = field;
  e.expected = expected;
  return e;
}

function decodeError(path, expected, found) {
  const e = new Error(`${path}: expected ${expected}`);
  e.name = 'DecodeError';
  e.path = path;
  e.expected = expected;
  e.found = found;
  return e;
}

/** Why a timestamp was refused (the message is the reason). */
class TimestampError extends Error {}

const SYNTAX = 'expected an ISO-8601 date-time such as 2026-02-05T10:00:00.000Z';

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return 'object';
  }
}

/** `null`, `undefined` (and what JSON.stringify turns into null) count as absent. */
function isAbsent(v) {
  return v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v));
}

// ------------------------------------------------------------------ time

/** Epoch milliseconds (fractions floored), in the four-digit-year range. */
function fromMillis(ms) {
  if (!Number.isFinite(ms)) throw new TimestampError('expected a finite number of milliseconds');
  const floored = Math.floor(ms);
  if (floored < MIN_MS || floored > MAX_MS) {
    throw new TimestampError('out of range: must lie between years 0000 and 9999');
  }
  return floored;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))/;

function isLeap(y) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y, m) {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`: a zone is required, digits
 * past milliseconds are truncated. Stricter than Date.parse, on purpose.
 */
function parseIso(text) {
  const m = ISO.exec(text);
  if (!m) throw new TimestampError(SYNTAX);
  let offsetMin = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) throw new TimestampError('out of range: zone offset');
    offsetMin = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  if (m[0].length !== text.length) throw new TimestampError(SYNTAX);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12) throw new TimestampError('out of range: month');
  if (day < 1 || day > daysInMonth(year, month)) throw new TimestampError('out of range: day');
  if (hour > 23) throw new TimestampError('out of range: hour');
  if (minute > 59) throw new TimestampError('out of range: minute');
  if (second > 59) throw new TimestampError('out of range: second');
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second, millis));
  date.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0-99 to 1900-1999
  return fromMillis(date.getTime() - offsetMin * 60_000);
}

const iso = (ms) => new Date(ms).toISOString();

// ------------------------------------------------------------------ events

function optString(raw, field) {
  const v = raw[field];
  if (isAbsent(v)) return undefined;
  if (typeof v !== 'string') throw new EventError(`${field}: expected a string, got ${jsonType(v)}`, field);
  return v;
}

function reqString(raw, field, kind) {
  const v = optString(raw, field);
  if (v === undefined) throw new EventError(`${field}: missing, required by kind ${kind}`, field);
  return v;
}

function flag(raw, field) {
  const v = raw[field];
  if (isAbsent(v)) return false;
  if (typeof v !== 'boolean') throw new EventError(`${field}: expected a boolean, got ${jsonType(v)}`, field);
  return v;
}

function eventTimestamp(v) {
  if (isAbsent(v)) return undefined;
  try {
    if (typeof v === 'number') return fromMillis(v);
    if (typeof v === 'string') return parseIso(v);
  } catch (e) {
    if (e instanceof TimestampError) throw new EventError(`timestamp: ${e.message}`, 'timestamp');
    throw e;
  }
  throw new EventError(
    `timestamp: expected an ISO-8601 string or epoch milliseconds, got ${jsonType(v)}`,
    'timestamp',
  );
}

/**
 * Validates one event and returns the fields its kind uses. Fields present with
 * a wrong type are refused even when optional; unknown kinds and fields are not
 * errors. Throws an EventError naming the field.
 */
function readEvent(raw) {
  if (raw === undefined || typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const found = raw === undefined ? 'null' : jsonType(raw);
    throw new EventError(`event: expected an object, got ${found}`, 'event');
  }
  const k = raw.kind;
  if (isAbsent(k)) throw new EventError('kind: missing, required by kind (none)', 'kind');
  if (typeof k !== 'string') throw new EventError(`kind: expected a string, got ${jsonType(k)}`, 'kind');
  const timestamp = eventTimestamp(raw.timestamp);
  switch (k) {
    case 'started':
      return {
        kind: k,
        timestamp,
        runId: reqString(raw, 'runId', k),
        workflowName: reqString(raw, 'workflowName', k),
        parentRunId: optString(raw, 'parentRunId'),
      };
    case 'completed':
    case 'error':
      return { kind: k, timestamp, runId: optString(raw, 'runId') };
    case 'step_started':
    case 'step_skipped':
    case 'model_resolved':
    case 'method_executing':
    case 'step_completed':
    case 'step_failed':
      break;
    default:
      return { kind: k, timestamp };
  }
  // A step event: which step (and, optionally, which run), then the kind's fields.
  const ev = {
    kind: k,
    timestamp,
    runId: optString(raw, 'runId'),
    jobId: reqString(raw, 'jobId', k),
    stepId: reqString(raw, 'stepId', k),
  };
  switch (k) {
    case 'step_started':
    case 'step_skipped':
      break;
    case 'model_resolved':
      ev.modelType = reqString(raw, 'modelType', k);
      break;
    case 'method_executing':
      ev.modelName = optString(raw, 'modelName');
      ev.methodName = reqString(raw, 'methodName', k);
      ev.driver = optString(raw, 'driver');
      break;
    case 'step_completed':
      ev.executor = optString(raw, 'executor');
      break;
    default: // step_failed
      ev.error = reqString(raw, 'error', k);
      ev.errorType = optString(raw, 'errorType');
      ev.userError = flag(raw, 'userError');
      ev.allowedFailure = flag(raw, 'allowedFailure'); // recorded as an error all the same
      ev.modelName = optString(raw, 'modelName');
      ev.methodName = optString(raw, 'methodName');
      ev.driver = optString(raw, 'driver');
  }
  return ev;
}

// ------------------------------------------------------------------ redaction

/** A method name that is still a `${{ ... }}` expression is redacted whole (W7). */
function scrubMethodName(name) {
  return name.includes('${{') ? REDACTED : name;
}

const WORD = /[\p{Alphabetic}\p{N}_-]/u;

function isWordChar(cp) {
  if (cp === undefined) return false;
  if (cp < 128) {
    return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 45 || cp === 95;
  }
  return WORD.test(String.fromCodePoint(cp));
}

function lastCodePoint(s) {
  if (s.length === 0) return undefined;
  const i = s.length - 1;
  const c = s.charCodeAt(i);
  if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
    const hi = s.charCodeAt(i - 1);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.codePointAt(i - 1);
  }
  return c;
}

/** Every whole-word occurrence of `word` replaced by `<REDACTED>` (W8). */
function replaceWords(text, word) {
  let pos = text.indexOf(word);
  if (pos === -1) return text;
  let out = '';
  let from = 0;
  while (pos !== -1) {
    out += text.slice(from, pos);
    const end = pos + word.length;
    const whole = !isWordChar(lastCodePoint(out)) && !isWordChar(text.codePointAt(end));
    out += whole ? REDACTED : word;
    from = end;
    pos = text.indexOf(word, from);
  }
  return out + text.slice(from);
}

function scrubModelNames(message, names) {
  let out = message;
  for (const name of names) {
    if (name && name !== REDACTED) out = replaceWords(out, name);
  }
  return out;
}

const isKeyChar = (c) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
// ASCII whitespace (space, \t, \n, \f, \r) and , ; & " ' ) ] }
const isValueEnd = (c) =>
  c === 32 || c === 9 || c === 10 || c === 12 || c === 13 ||
  c === 44 || c === 59 || c === 38 || c === 34 || c === 39 || c === 41 || c === 93 || c === 125;

function isFiltered(key) {
  const lower = key.toLowerCase();
  return FILTERS.some((f) => lower.includes(f));
}

/** The value of every `key=value` / `key: value` pair with a filtered key masked. */
function redactSecrets(text) {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const sep = text.charCodeAt(i);
    if (sep === 61 /* = */ || sep === 58 /* : */) {
      let keyEnd = i;
      while (keyEnd > 0 && text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
      if (keyEnd > 0 && (text[keyEnd - 1] === '"' || text[keyEnd - 1] === "'")) keyEnd--;
      let k = keyEnd;
      while (k > 0 && isKeyChar(text.charCodeAt(k - 1))) k--;
      const key = text.slice(k, keyEnd);
      let v = i + 1;
      while (v < text.length && (text[v] === ' ' || text[v] === '"' || text[v] === "'")) v++;
      if (text.startsWith(MASK, v)) {
        i = v + MASK.length; // already masked
        continue;
      }
      let end = v;
      while (end < text.length && !isValueEnd(text.charCodeAt(end))) end++;
      if (key !== '' && end > v && isFiltered(key)) {
        out += text.slice(copied, v) + MASK;
        copied = end;
        i = end;
        continue;
      }
    }
    i++;
  }
  return out + text.slice(copied);
}

// ------------------------------------------------------------------ entries

const plainError = (message) => ({ errorType: 'Error', message, userError: false });

/** status, exitCode, then errorType / errorMessage (first line) when non-empty. */
function failureResult(failure) {
  const result = { status: failure.userError ? 'user_error' : 'error', exitCode: 1 };
  if (failure.errorType) result.errorType = failure.errorType;
  const firstLine = failure.message.split(/[\n\r]/, 1)[0];
  if (firstLine) result.errorMessage = firstLine;
  return result;
}

/**
 * The in-flight key of (run scope, job, step): length prefixes make it
 * unambiguous for any characters, so `a:b`/`c` and `a`/`b:c` never collide
 * (W1). Root-run keys start with ':', other runs' keys with a digit.
 */
function stepKey(run, job, step) {
  return run === null
    ? `:${job.length}:${job}${step}`
    : `${run.length}:${run}${job.length}:${job}${step}`;
}

/** What the bridge knows of one step until it ends. */
function newStep(run, job, step) {
  return {
    run, // null: the root run's
    job,
    step,
    started: undefined, // step_started's order: may host a nested run while nothing else is known
    child: undefined, // the nested run it hosts
    modelType: undefined, // from model_resolved, for its next invocation
    running: null, // the invocation open now
  };
}

function canonicalContext(value) {
  const path = 'options.invocationContext';
  if (typeof value !== 'object' || Array.isArray(value)) throw decodeError(path, 'an object', jsonType(value));
  const bool = (key) => {
    const v = value[key];
    if (typeof v !== 'boolean') throw decodeError(`${path}.${key}`, 'a boolean', isAbsent(v) ? 'missing' : jsonType(v));
    return v;
  };
  const ctx = { agentSessionDetected: bool('agentSessionDetected'), isInteractive: bool('isInteractive') };
  const tools = value.configuredAiTools;
  if (!isAbsent(tools)) {
    if (!Array.isArray(tools)) throw decodeError(`${path}.configuredAiTools`, 'an array of strings', jsonType(tools));
    tools.forEach((t, i) => {
      if (typeof t !== 'string') throw decodeError(`${path}.configuredAiTools[${i}]`, 'a string', jsonType(t));
    });
    ctx.configuredAiTools = [...tools];
  }
  const detected = value.detectedAiTool;
  if (!isAbsent(detected)) {
    if (typeof detected !== 'string') throw decodeError(`${path}.detectedAiTool`, 'a string', jsonType(detected));
    ctx.detectedAiTool = detected;
  }
  return ctx;
}

// ------------------------------------------------------------------ bridge

export class JsBridge {
  #parentInvocationId;
  #version;
  #runtimeVersion;
  #platform;
  #invocationContext;
  #clock;
  #idGenerator;
  #sink;
  #maxLineBytes;

  // The runs of the source: the active ones (root first, then nested ones in
  // start order), the names of the current root's runs and of the root's before.
  #active = []; // { id, parent }
  #names = new Map(); // runId -> workflowName
  #previousNames = new Map();
  #roots = 0;
  #abandoned = 0;
  // Every step not ended yet, by stepKey(run scope, job, step).
  #steps = new Map();
  #running = 0; // steps with an invocation open
  #nextSeq = 0;
  #finalized = false;
  #lastEventAt = undefined;
  #sinkErrors = 0;
  #stats = { events: 0, ignored: 0, entries: 0, synthesised: 0, superseded: 0, drained: 0 };

  constructor(options) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw argumentError('options', 'an options object');
    }
    const optString = (key, required = false) => {
      const v = options[key];
      if (v === undefined || v === null) {
        if (required) throw argumentError(`options.${key}`, 'a string');
        return '';
      }
      if (typeof v !== 'string') throw argumentError(`options.${key}`, 'a string');
      return v;
    };
    const optFunction = (key) => {
      const v = options[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'function') throw argumentError(`options.${key}`, 'a function');
      return v;
    };
    const ctx = options.invocationContext;
    this.#invocationContext = ctx === undefined || ctx === null ? undefined : canonicalContext(ctx);
    this.#parentInvocationId = optString('parentInvocationId', true);
    this.#version = optString('version');
    this.#runtimeVersion = optString('runtimeVersion');
    this.#platform = optString('platform');
    this.#clock = optFunction('clock');
    this.#idGenerator = optFunction('idGenerator');
    this.#sink = optFunction('sink');
    const max = options.maxLineBytes;
    if (max === undefined || max === null) {
      this.#maxLineBytes = DEFAULT_MAX_LINE_BYTES;
    } else if (Number.isInteger(max) && max >= 1 && max <= 4_294_967_295) {
      this.#maxLineBytes = max;
    } else {
      throw argumentError('options.maxLineBytes', 'a positive integer');
    }
  }

  get inFlight() {
    return this.#running;
  }

  get finalized() {
    return this.#finalized;
  }

  /** The latest event `timestamp` seen (epoch ms), if any event carried one. */
  get lastEventAt() {
    return this.#lastEventAt;
  }

  get sinkErrors() {
    return this.#sinkErrors;
  }

  stats() {
    return { ...this.#stats, runs: this.#roots, abandoned: this.#abandoned };
  }

  /** Nothing to release; here so bench code can treat both bridges alike. */
  free() {}

  /** Entries closed by this event, in order; `[]` after `finalize`. */
  observe(event) {
    const ev = readEvent(event);
    const out = [];
    this.#apply(ev, out);
    for (const entry of out) this.#deliver(entry);
    return out;
  }

  /** One event per line; a bad line is reported and every other line processed. */
  observeNdjson(text) {
    if (typeof text !== 'string') throw argumentError('text', 'a string');
    let entries = '';
    let accepted = 0;
    const errors = [];
    const closed = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let body = lines[i];
      if (body.endsWith('\r')) body = body.slice(0, -1);
      if (isBlank(body)) continue;
      const line = i + 1;
      // UTF-8 is at most 3 bytes per UTF-16 unit: count bytes only when it matters.
      if (body.length * 3 > this.#maxLineBytes) {
        const bytes = Buffer.byteLength(body, 'utf8');
        if (bytes > this.#maxLineBytes) {
          errors.push({
            line,
            kind: 'line_too_long',
            message: `line is ${bytes} bytes, longer than the limit of ${this.#maxLineBytes} bytes`,
          });
          continue;
        }
      }
      let raw;
      try {
        raw = JSON.parse(body);
      } catch (e) {
        errors.push({ line, kind: 'invalid_json', message: `invalid JSON: ${e.message}` });
        continue;
      }
      let ev;
      try {
        ev = readEvent(raw);
      } catch (e) {
        if (!(e instanceof EventError)) throw e;
        errors.push({ line, kind: 'invalid_event', field: e.field, message: e.message });
        continue;
      }
      accepted++;
      this.#apply(ev, closed);
      for (const entry of closed) {
        entries += `${JSON.stringify(entry)}\n`;
        this.#deliver(entry);
      }
      closed.length = 0;
    }
    return { entries, accepted, errors };
  }

  /**
   * Closes every in-flight invocation as an error, in start order, with one
   * completion instant (`at`, epoch ms or ISO-8601, or the clock). Idempotent.
   */
  finalize(reason, at) {
    if (reason !== undefined && reason !== null && typeof reason !== 'string') {
      throw argumentError('reason', 'a string');
    }
    let atMs;
    if (at !== undefined && at !== null) {
      if (typeof at !== 'number' && typeof at !== 'string') {
        throw argumentError('at', 'epoch milliseconds or an ISO-8601 string');
      }
      try {
        atMs = typeof at === 'number' ? fromMillis(at) : parseIso(at);
      } catch (e) {
        throw argumentError('at', `a valid instant (${e.message})`);
      }
    }
    if (this.#finalized) return [];
    this.#finalized = true;
    const now = atMs ?? this.#now();
    const out = [];
    this.#drainRuns(null, reason ?? TERMINATED, now, out);
    this.#stats.entries += out.length;
    for (const entry of out) this.#deliver(entry);
    return out;
  }

  // ---------------------------------------------------------------- state machine

  #apply(ev, out) {
    if (this.#finalized) return;
    this.#stats.events++;
    if (ev.timestamp !== undefined) {
      this.#lastEventAt = this.#lastEventAt === undefined ? ev.timestamp : Math.max(this.#lastEventAt, ev.timestamp);
    }
    const before = out.length;
    switch (ev.kind) {
      case 'started':
        this.#onStarted(ev, out);
        break;
      case 'completed':
      case 'error': {
        // Without runId: the root. The root ends with every run nested in it;
        // a nested run named ends with its own nested runs.
        const root = this.#root();
        const id = ev.runId ?? root;
        if (id !== null && id === root) {
          this.#drainRuns(null, TERMINATED, this.#eventNow(ev), out);
          this.#active = [];
        } else if (id !== null && this.#isActive(id)) {
          this.#endNested(id, ev, out);
        }
        break;
      }
      case 'step_started': {
        const seq = this.#nextSeq++;
        const st = this.#stepState(ev);
        if (st.started === undefined) st.started = seq;
        break;
      }
      case 'model_resolved':
        this.#stepState(ev).modelType = ev.modelType;
        break;
      case 'method_executing': {
        const now = this.#eventNow(ev);
        const run = this.#scope(ev.runId);
        const key = stepKey(run, ev.jobId, ev.stepId);
        const record = {
          seq: this.#nextSeq++,
          startedAt: now,
          modelName: ev.modelName,
          methodName: ev.methodName,
          modelType: undefined,
          driver: ev.driver,
        };
        let st = this.#steps.get(key);
        let earlier = null;
        if (st) {
          // The resolved model type moves into the record (W10).
          record.modelType = st.modelType;
          st.modelType = undefined;
          st.started = undefined;
          earlier = st.running;
          st.running = record;
          if (!earlier) this.#running++;
        } else {
          st = newStep(run, ev.jobId, ev.stepId);
          st.running = record;
          this.#steps.set(key, st);
          this.#running++;
        }
        if (earlier) {
          // W9: a repeated method_executing never loses the earlier invocation;
          // a repeat without its own model_resolved keeps the type resolved before.
          this.#stats.superseded++;
          if (record.modelType === undefined) record.modelType = earlier.modelType;
          out.push(this.#close(st, earlier, now, plainError(SUPERSEDED)));
        }
        break;
      }
      case 'step_completed': {
        const now = this.#eventNow(ev);
        const key = stepKey(this.#scope(ev.runId), ev.jobId, ev.stepId);
        const st = this.#steps.get(key);
        if (st) {
          this.#steps.delete(key);
          if (st.running) {
            this.#running--;
            out.push(this.#close(st, st.running, now, null, ev.executor));
          }
          if (st.child !== undefined) this.#endNested(st.child, ev, out);
        }
        break;
      }
      case 'step_failed': {
        const run = this.#scope(ev.runId);
        const key = stepKey(run, ev.jobId, ev.stepId);
        const st = this.#steps.get(key);
        if (st) this.#steps.delete(key);
        const now = this.#eventNow(ev);
        // Filter first: once a model named like a filtered key (`password`) is
        // scrubbed, `password=x` would no longer look like a pair to mask.
        const failure = (names) => ({
          errorType: ev.errorType ?? 'Error',
          message: scrubModelNames(redactSecrets(ev.error), names),
          userError: ev.userError,
        });
        if (st?.running) {
          this.#running--;
          out.push(this.#close(st, st.running, now, failure([st.running.modelName, ev.modelName])));
        } else if (ev.modelName && ev.methodName) {
          // Pre-method failure: one instant for both ends, durationMs 0 (W5).
          this.#stats.synthesised++;
          const synthesised = {
            seq: this.#nextSeq,
            startedAt: now,
            modelName: ev.modelName,
            methodName: ev.methodName,
            modelType: st?.modelType,
            driver: ev.driver,
          };
          out.push(this.#close({ run, job: ev.jobId, step: ev.stepId }, synthesised, now, failure([ev.modelName])));
        }
        // Otherwise a structural failure: no entry.
        if (st && st.child !== undefined) this.#endNested(st.child, ev, out);
        break;
      }
      case 'step_skipped': {
        const key = stepKey(this.#scope(ev.runId), ev.jobId, ev.stepId);
        const st = this.#steps.get(key);
        let child;
        if (st) {
          child = st.child;
          st.child = undefined;
          if (!st.running) {
            this.#steps.delete(key);
          } else {
            // A skip does not end a running invocation: its own end (or the run's) does.
            st.started = undefined;
            st.modelType = undefined;
          }
        }
        if (child !== undefined) this.#endNested(child, ev, out);
        break;
      }
      default:
        this.#stats.ignored++;
    }
    this.#stats.entries += out.length - before;
  }

  /** A `started`: duplicate, nested (rule 3), or a new root (rules 1 and 4). */
  #onStarted(ev, out) {
    const { runId, workflowName, parentRunId } = ev;
    if (this.#isActive(runId)) return; // re-sent: changes nothing
    let parent = null;
    let host = null;
    if (parentRunId !== undefined && this.#isActive(parentRunId)) {
      parent = parentRunId;
      host = this.#freeHost(parentRunId);
    } else {
      // The innermost active run with a free workflow-task step.
      for (let i = this.#active.length - 1; i >= 0 && parent === null; i--) {
        host = this.#freeHost(this.#active[i].id);
        if (host) parent = this.#active[i].id;
      }
    }
    if (parent !== null) {
      // First name wins, so a re-sent `started` cannot rename a run.
      if (!this.#names.has(runId)) this.#names.set(runId, workflowName);
      this.#active.push({ id: runId, parent });
      if (host) host.child = runId;
      return;
    }
    if (this.#active.length > 0) {
      // Rule 4: the runs active here were abandoned.
      this.#drainRuns(runId, ABANDONED, this.#eventNow(ev), out);
      this.#abandoned += this.#active.length;
    }
    // A new root; the names of the root before it are kept one root longer.
    this.#previousNames = this.#names;
    this.#names = new Map([[runId, workflowName]]);
    this.#active = [{ id: runId, parent: null }];
    this.#roots++;
    const superseded = this.#rekeyToRoot(runId);
    if (superseded.length > 0) {
      const now = this.#eventNow(ev);
      for (const [st, earlier] of superseded) {
        this.#stats.superseded++;
        out.push(this.#close(st, earlier, now, plainError(SUPERSEDED)));
      }
    }
  }

  #root() {
    return this.#active.length > 0 ? this.#active[0].id : null;
  }

  #isActive(id) {
    return this.#active.some((a) => a.id === id);
  }

  /** The run scope of a step event: null for the active root (no runId, or its own). */
  #scope(runId) {
    return runId !== undefined && runId !== this.#root() ? runId : null;
  }

  /** The step's state, created if new. */
  #stepState(ev) {
    const run = this.#scope(ev.runId);
    const key = stepKey(run, ev.jobId, ev.stepId);
    let st = this.#steps.get(key);
    if (!st) {
      st = newStep(run, ev.jobId, ev.stepId);
      this.#steps.set(key, st);
    }
    return st;
  }

  /** The latest started step of `run` that runs no method and hosts no run yet. */
  #freeHost(run) {
    const scope = run === this.#root() ? null : run;
    let best = null;
    for (const st of this.#steps.values()) {
      if (st.run !== scope || st.started === undefined || st.child !== undefined) continue;
      if (st.modelType !== undefined || st.running) continue;
      if (best === null || st.started > best.started) best = st;
    }
    return best;
  }

  /** The active run `id` and the runs nested in it end; their open invocations drain. */
  #endNested(id, ev, out) {
    const ended = new Set();
    const kept = [];
    for (const a of this.#active) {
      // Parents start before their children, so one pass finds all.
      if (a.id === id || (a.parent !== null && ended.has(a.parent))) ended.add(a.id);
      else kept.push(a);
    }
    this.#active = kept;
    if (ended.size === 0) return;
    const now = this.#eventNow(ev);
    const open = [];
    for (const [key, st] of this.#steps) {
      if (st.run === null || !ended.has(st.run)) continue;
      if (st.running) open.push(st);
      this.#steps.delete(key);
    }
    this.#closeDrained(open, TERMINATED, now, out);
  }

  /** Closes every open invocation with `message` and forgets every step, except
   * the steps keyed under the run `keep` (events that named it before its `started`). */
  #drainRuns(keep, message, now, out) {
    const open = [];
    for (const [key, st] of this.#steps) {
      if (keep !== null && st.run === keep) continue;
      if (st.running) open.push(st);
      this.#steps.delete(key);
    }
    this.#closeDrained(open, message, now, out);
  }

  #closeDrained(open, message, now, out) {
    open.sort((a, b) => a.running.seq - b.running.seq);
    this.#running -= open.length;
    this.#stats.drained += open.length;
    for (const st of open) out.push(this.#close(st, st.running, now, plainError(message)));
  }

  /**
   * Moves the steps keyed by `runId` to the root's keys. When the root already
   * has an invocation of the same step open, the earlier of the two is returned
   * to be closed as superseded (W9), never dropped.
   */
  #rekeyToRoot(runId) {
    const moved = [];
    for (const [key, st] of this.#steps) {
      if (st.run !== runId) continue;
      moved.push(st);
      this.#steps.delete(key);
    }
    const superseded = [];
    for (const st of moved) {
      st.run = null;
      const key = stepKey(null, st.job, st.step);
      const other = this.#steps.get(key);
      if (other) {
        if (other.running && st.running) {
          this.#running--;
          const otherFirst = other.running.seq < st.running.seq;
          superseded.push([st, otherFirst ? other.running : st.running]);
          if (otherFirst === false) st.running = other.running;
        } else {
          st.running = st.running ?? other.running;
        }
        st.started = st.started ?? other.started;
        st.child = st.child ?? other.child;
        st.modelType = st.modelType ?? other.modelType;
      }
      this.#steps.set(key, st);
    }
    return superseded.sort((a, b) => a[1].seq - b[1].seq);
  }

  /** The run id and workflow name of a run scope, as known now. */
  #resolve(run) {
    const id = run ?? this.#root();
    if (id === null) return ['', '']; // no active root (rule 5)
    return [id, this.#names.get(id) ?? this.#previousNames.get(id) ?? ''];
  }

  #eventNow(ev) {
    return ev.timestamp ?? this.#now();
  }

  #now() {
    if (this.#clock) {
      try {
        const v = this.#clock();
        if (typeof v === 'number') return fromMillis(v);
      } catch {
        // fall back to the wall clock
      }
    }
    return Math.floor(Date.now());
  }

  #nextId() {
    if (this.#idGenerator) {
      try {
        const id = this.#idGenerator();
        if (typeof id === 'string' && id !== '') return id;
      } catch {
        // fall back to a random UUID
      }
    }
    return crypto.randomUUID();
  }

  #deliver(entry) {
    if (!this.#sink) return;
    try {
      const ret = this.#sink(entry);
      if (ret instanceof Promise) ret.catch(() => { this.#sinkErrors++; });
    } catch {
      this.#sinkErrors++;
    }
  }

  /**
   * Builds the child entry of the invocation `record` of step `at` ({ run, job,
   * step }) closed now, keys in wire order: its run resolved as known now.
   */
  #close(at, record, completedAt, failure, executor) {
    const [runId, workflowName] = this.#resolve(at.run);
    const workflowContext = {
      workflowName,
      runId,
      jobName: at.job,
      stepName: at.step,
    };
    if (record.modelType !== undefined) workflowContext.modelType = record.modelType;
    if (record.driver !== undefined) workflowContext.driver = record.driver;
    if (executor !== undefined) workflowContext.executor = executor;
    // A completion before the start is moved to the start (W12).
    const completed = Math.max(completedAt, record.startedAt);
    const entry = {
      id: this.#nextId(),
      invocation: {
        command: 'model',
        args: ['run', REDACTED, scrubMethodName(record.methodName)],
        optionKeys: [],
        globalOptions: [],
        subcommand: 'method',
      },
      result: failure ? failureResult(failure) : { status: 'success', exitCode: 0 },
      startedAt: iso(record.startedAt),
      completedAt: iso(completed),
      durationMs: completed - record.startedAt,
      swampVersion: this.#version,
      denoVersion: this.#runtimeVersion,
      platform: this.#platform,
    };
    if (this.#invocationContext) {
      const ctx = { ...this.#invocationContext };
      if (ctx.configuredAiTools) ctx.configuredAiTools = [...ctx.configuredAiTools];
      entry.invocationContext = ctx;
    }
    if (this.#parentInvocationId) entry.parentInvocationId = this.#parentInvocationId;
    entry.workflowContext = workflowContext;
    return entry;
  }
}

// Rust's str::trim set (Unicode White_Space): unlike String#trim, it strips
// U+0085 and keeps U+FEFF.
const BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

function isBlank(line) {
  return BLANK.test(line);
}
