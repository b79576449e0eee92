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
// Known differences from the wasm bridge (outside what the bench exercises):
// - the message of an `invalid_json` line error is V8's JSON.parse message,
//   not serde_json's (line, kind and field are the same);
// - serde_json refuses a few texts JSON.parse accepts (numbers beyond f64
//   range, lone surrogate escapes, nesting deeper than 128); here they parse;
// - `observe(object)` reads the object directly instead of round-tripping it
//   through JSON.stringify, so exotic values (Dates, toJSON, BigInt) differ.

const REDACTED = '<REDACTED>';
/** The message of invocations drained by `finalize()` without a reason. */
export const TERMINATED = 'workflow run terminated before completion';
/** The message of an invocation replaced by a repeated `method_executing`. */
export const SUPERSEDED = 'superseded by a repeated method_executing for the same step';

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
      return { kind: k, timestamp, runId: reqString(raw, 'runId', k), workflowName: reqString(raw, 'workflowName', k) };
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

  #rootRun = null;
  #runNames = new Map(); // runId -> workflowName (first one wins)
  #inFlight = new Map(); // stepKey -> record
  #modelTypes = new Map(); // stepKey -> { run, job, step, modelType }
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
    return this.#inFlight.size;
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
    return { ...this.#stats };
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
    const failure = plainError(reason ?? TERMINATED);
    const open = [...this.#inFlight.values()].sort((a, b) => a.seq - b.seq);
    this.#inFlight.clear();
    this.#modelTypes.clear();
    const out = open.map((record) => this.#close(record, now, failure));
    this.#stats.drained += out.length;
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
        this.#onStarted(ev.runId, ev.workflowName);
        break;
      case 'model_resolved': {
        const run = this.#scope(ev.runId);
        this.#modelTypes.set(stepKey(run, ev.jobId, ev.stepId), {
          run, job: ev.jobId, step: ev.stepId, modelType: ev.modelType,
        });
        break;
      }
      case 'method_executing': {
        const now = ev.timestamp ?? this.#now();
        const run = this.#scope(ev.runId);
        const key = stepKey(run, ev.jobId, ev.stepId);
        const earlier = this.#inFlight.get(key);
        if (earlier) {
          // W9: a repeated method_executing never loses the earlier invocation.
          this.#inFlight.delete(key);
          this.#stats.superseded++;
          out.push(this.#close(earlier, now, plainError(SUPERSEDED)));
        }
        this.#inFlight.set(key, {
          seq: this.#nextSeq++,
          run,
          job: ev.jobId,
          step: ev.stepId,
          startedAt: now,
          modelName: ev.modelName,
          methodName: ev.methodName,
          modelType: this.#modelTypes.get(key)?.modelType,
          driver: ev.driver,
        });
        break;
      }
      case 'step_completed': {
        const now = ev.timestamp ?? this.#now();
        const key = stepKey(this.#scope(ev.runId), ev.jobId, ev.stepId);
        const record = this.#inFlight.get(key);
        this.#modelTypes.delete(key);
        if (record) {
          this.#inFlight.delete(key);
          out.push(this.#close(record, now, null, ev.executor));
        }
        break;
      }
      case 'step_failed': {
        const now = ev.timestamp ?? this.#now();
        const run = this.#scope(ev.runId);
        const key = stepKey(run, ev.jobId, ev.stepId);
        const record = this.#inFlight.get(key);
        const resolved = this.#modelTypes.get(key);
        this.#inFlight.delete(key);
        this.#modelTypes.delete(key);
        const failure = (names) => ({
          errorType: ev.errorType ?? 'Error',
          message: redactSecrets(scrubModelNames(ev.error, names)),
          userError: ev.userError,
        });
        if (record) {
          out.push(this.#close(record, now, failure([record.modelName, ev.modelName])));
        } else if (ev.modelName && ev.methodName) {
          // Pre-method failure: one instant for both ends, durationMs 0 (W5).
          this.#stats.synthesised++;
          const synthesised = {
            seq: this.#nextSeq,
            run,
            job: ev.jobId,
            step: ev.stepId,
            startedAt: now,
            modelName: ev.modelName,
            methodName: ev.methodName,
            modelType: resolved?.modelType,
            driver: ev.driver,
          };
          out.push(this.#close(synthesised, now, failure([ev.modelName])));
        }
        // Otherwise a structural failure: no entry.
        break;
      }
      default:
        this.#stats.ignored++;
    }
    this.#stats.entries += out.length - before;
  }

  #onStarted(runId, workflowName) {
    // First name wins for each run, so a re-sent `started` cannot rename it.
    if (!this.#runNames.has(runId)) this.#runNames.set(runId, workflowName);
    if (this.#rootRun === null) {
      this.#rootRun = runId;
      // Step events that named this run before its `started` were keyed by id;
      // from now on the root's steps are keyed as root.
      for (const map of [this.#inFlight, this.#modelTypes]) {
        for (const [key, value] of [...map]) {
          if (value.run !== runId) continue;
          map.delete(key);
          value.run = null;
          map.set(stepKey(null, value.job, value.step), value);
        }
      }
    }
  }

  /** The run scope of a step event: null for the root run (W4). */
  #scope(runId) {
    return runId !== undefined && runId !== this.#rootRun ? runId : null;
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

  /** Builds the child entry of a closed invocation, keys in wire order. */
  #close(record, completedAt, failure, executor) {
    const runId = record.run ?? this.#rootRun ?? '';
    const workflowContext = {
      workflowName: this.#runNames.get(runId) ?? '',
      runId,
      jobName: record.job,
      stepName: record.step,
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
