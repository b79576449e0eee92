// Type declarations for workflow-telemetry/bridge: the bridge, the entry codec
// and redaction, which the full package (index.d.ts) re-exports. Hand-written:
// the wasm-bindgen output leaves every value untyped; these are the real shapes.

// ------------------------------------------------------------------ events

/** Epoch milliseconds, or an ISO-8601 date-time with a zone (`2026-02-05T10:00:00.000Z`). */
export type EventTimestamp = number | string;

interface EventBase {
  /** When the event happened. When present it is the observation time, so a
   *  recorded log replays deterministically; otherwise the bridge's clock is read. */
  timestamp?: EventTimestamp;
}

interface StepEventBase extends EventBase {
  /** The run the step belongs to (nested workflows). Without it the step
   *  belongs to the root run active on the stream (see the README's stream rules). */
  runId?: string;
  /** The job name. */
  jobId: string;
  /** The step name; for a forEach iteration the expanded name (`fanout-a`). */
  stepId: string;
}

export interface StartedEvent extends EventBase {
  kind: 'started';
  runId: string;
  workflowName: string;
  /** The active run this one is nested in; without it a run is nested only in an active
   *  run's open workflow-task step (one with `step_started` and no method), and otherwise
   *  the active runs were abandoned and this one is a new root. */
  parentRunId?: string;
  driver?: string;
  jobs?: ReadonlyArray<{ id: string; stepCount: number; dependsOn: ReadonlyArray<string> }>;
}

export interface ModelResolvedEvent extends StepEventBase {
  kind: 'model_resolved';
  modelType: string;
  modelName?: string;
  methodName?: string;
}

export interface MethodExecutingEvent extends StepEventBase {
  kind: 'method_executing';
  methodName: string;
  /** Never recorded; used only to scrub the name from error messages. */
  modelName?: string;
  driver?: string;
}

export interface StepCompletedEvent extends StepEventBase {
  kind: 'step_completed';
  /** Where the step ran (`loopback` or a worker name). */
  executor?: string;
}

export interface StepFailedEvent extends StepEventBase {
  kind: 'step_failed';
  error: string;
  /** Error class name; defaults to `Error`. */
  errorType?: string;
  /** `true` records the failure as `user_error`. */
  userError?: boolean;
  /** Recorded as an error all the same. */
  allowedFailure?: boolean;
  /** With `methodName`, marks a failure before the method ran (a synthesised 0 ms entry). */
  modelName?: string;
  methodName?: string;
  driver?: string;
}

export interface StepStartedEvent extends StepEventBase {
  kind: 'step_started';
}

export interface StepSkippedEvent extends StepEventBase {
  kind: 'step_skipped';
}

/** `completed`, or `error` (a run failed outside its steps): ends the run it names, or
 *  the root run, and drains what it left open. */
export interface RunEndedEvent extends EventBase {
  kind: 'completed' | 'error';
  runId?: string;
  [field: string]: unknown;
}

/** Kinds the bridge accepts and ignores. */
export type IgnoredEventKind =
  | 'job_started' | 'job_completed' | 'job_skipped'
  | 'env_var_warning' | 'method_output' | 'method_event' | 'report_started'
  | 'report_completed' | 'report_failed' | 'validating_inputs'
  | 'evaluating_workflow';

export interface IgnoredEvent extends EventBase {
  kind: IgnoredEventKind;
  [field: string]: unknown;
}

/** The canonical workflow event vocabulary, discriminated on `kind`. */
export type WorkflowEvent =
  | StartedEvent
  | StepStartedEvent
  | ModelResolvedEvent
  | MethodExecutingEvent
  | StepCompletedEvent
  | StepFailedEvent
  | StepSkippedEvent
  | RunEndedEvent
  | IgnoredEvent;

// ----------------------------------------------------------------- entries

export type InvocationStatus = 'success' | 'error' | 'user_error';

export interface CommandInvocationData {
  command: string;
  args: string[];
  optionKeys: string[];
  globalOptions: string[];
  /** Omitted when empty. */
  subcommand?: string;
}

export interface InvocationResultData {
  status: InvocationStatus;
  exitCode: number;
  /** Omitted when empty or on success. */
  errorType?: string;
  /** First line only; omitted when empty or on success. */
  errorMessage?: string;
}

export interface InvocationContextData {
  agentSessionDetected: boolean;
  isInteractive: boolean;
  /** `[]` (none configured) differs from absent (not detected). */
  configuredAiTools?: string[];
  detectedAiTool?: string;
}

export interface WorkflowContextData {
  workflowName: string;
  runId: string;
  jobName: string;
  stepName: string;
  /** Kept even when empty. */
  modelType?: string;
  driver?: string;
  executor?: string;
}

/** One `cli_invocation` entry. Keys appear in this (wire) order; absent
 *  optional keys are omitted, never `null` or `undefined`. */
export interface TelemetryEntryData {
  /** RFC 4122 v4 UUID. */
  id: string;
  invocation: CommandInvocationData;
  result: InvocationResultData;
  /** ISO-8601 UTC with milliseconds: `2026-02-05T10:00:00.000Z`. */
  startedAt: string;
  completedAt: string;
  durationMs: number;
  swampVersion: string;
  denoVersion: string;
  platform: string;
  invocationContext?: InvocationContextData;
  /** Omitted when empty. */
  parentInvocationId?: string;
  workflowContext?: WorkflowContextData;
}

// ------------------------------------------------------------------ bridge

export interface TelemetryBridgeOptions {
  /** The parent CLI invocation's entry id, stamped on every child. */
  parentInvocationId: string;
  /** Written as `swampVersion`; default `""`. */
  version?: string;
  /** Written as `denoVersion`; default `""`. */
  runtimeVersion?: string;
  /** Default `""`. */
  platform?: string;
  invocationContext?: InvocationContextData;
  /** Milliseconds since the epoch; default `Date.now`. A clock that throws or
   *  returns a non-finite or out-of-range value falls back to `Date.now`. */
  clock?: () => number;
  /** Default: random UUID v4. A generator that throws or returns anything but a
   *  non-empty string falls back to a random UUID. */
  idGenerator?: () => string;
  /** Called with each entry as it is produced. Throws and rejected promises are
   *  counted in `sinkErrors` and never reach the caller. */
  sink?: (entry: TelemetryEntryData) => void | Promise<unknown>;
  /** Longest accepted NDJSON line in bytes; default 1 MiB. */
  maxLineBytes?: number;
  /** Deepest nesting of arrays and objects per line (default 64, at most 128 in effect). */
  maxDepth?: number;
}

export type LineErrorKind = 'invalid_json' | 'invalid_event' | 'line_too_long' | 'too_deep';

export interface LineError {
  /** 1-based line number in the text given. */
  line: number;
  kind: LineErrorKind;
  /** The field at fault, when one is (`jobId`, `timestamp`, `event`). */
  field?: string;
  message: string;
}

export interface NdjsonResult {
  /** One entry JSON per line, each line ending in `\n`; `""` when none. */
  entries: string;
  /** Lines accepted. `accepted + errors.length` is the number of non-blank lines. */
  accepted: number;
  errors: LineError[];
}

export interface BridgeStats {
  events: number;
  ignored: number;
  entries: number;
  synthesised: number;
  superseded: number;
  /** Invocations closed because their run ended or was abandoned, or by `finalize`. */
  drained: number;
  /** Root runs started on the stream. */
  runs: number;
  /** Runs abandoned: the next run started before they ended. */
  abandoned: number;
}

export class TelemetryBridge {
  /** @throws {TypeError} named `ArgumentError` when an option has the wrong type. */
  constructor(options: TelemetryBridgeOptions);
  /** Entries closed by this event, in order. Ignored after `finalize`. When nothing
   *  closed (most events), one shared frozen empty array.
   *  Reads the event's fields the bridge uses (own or inherited, as `event.kind` reads
   *  them); other keys are not read. A non-finite number in `timestamp` is an error.
   *  @throws {TypeError} named `EventError` (with `field`) for an invalid event; nothing is applied. */
  observe(event: WorkflowEvent): readonly TelemetryEntryData[];
  /** Closes every in-flight invocation as an error, in start order. Idempotent.
   *  `at` replaces the clock reading (epoch ms or ISO-8601). */
  finalize(reason?: string, at?: EventTimestamp): readonly TelemetryEntryData[];
  /** One event per line (or each element of one JSON array); a bad line is reported and
   *  every other line processed. Lines numbered from 1 in `text`. */
  observeNdjson(text: string): NdjsonResult;
  /** Input in chunks cut anywhere (text, or UTF-8 bytes): complete lines are observed, an
   *  unfinished one waits; lines numbered from the first chunk. */
  pushNdjson(chunk: string | Uint8Array): NdjsonResult;
  /** The pushed input ended: its unfinished last line is read as a line. */
  endNdjson(): NdjsonResult;
  stats(): BridgeStats;
  readonly inFlight: number;
  readonly finalized: boolean;
  /** The latest event `timestamp` seen, in epoch ms. */
  readonly lastEventAt: number | undefined;
  readonly sinkErrors: number;
  /** Releases the wasm memory now rather than at garbage collection. */
  free(): void;
}

// ------------------------------------------------------------------- wire

export interface WireOptions {
  distinctId: string;
  /** Sent as `properties.$repo_id` when non-empty. */
  repoId?: string;
}

export interface WireEvent {
  event: 'cli_invocation';
  distinct_id: string;
  properties: TelemetryEntryData & { $repo_id?: string };
}

/** One entry: the bare event; any other number: `{ events: [...] }`. */
export type WireBody = WireEvent | { events: WireEvent[] };

/** @throws {Error} named `DecodeError` (with `path`) when an entry is invalid. */
export function toWire(entries: readonly TelemetryEntryData[], opts: WireOptions): WireBody;

/** Validates entry data and returns it in canonical form.
 *  @throws {Error} named `DecodeError`, message like `result.status: expected one of success, error, user_error`. */
export function decodeEntry(data: unknown): TelemetryEntryData;

// -------------------------------------------------------------- redaction

export type ArgKind = 'categorical' | 'redact';

export interface RedactOptions {
  /** Replaces swamp's schemas. Keyed `"command subcommand"`. */
  argSchemas?: Record<string, ArgKind[]>;
  /** Replaces swamp's global option set. */
  globalOptions?: string[];
  /** Replaces swamp's known boolean flags. */
  booleanFlags?: string[];
}

/** Redacts a direct CLI invocation's argv (without the program name). */
export function redactInvocation(argv: string[], options?: RedactOptions): CommandInvocationData;

// ------------------------------------------------------------------ setup

/**
 * Where `init` may load the wasm from: a URL (a string or a `URL`), a fetch
 * `Response` (or a promise of one), the bytes (an `ArrayBuffer` or any view:
 * `Uint8Array`, Node's `Buffer`), or a compiled `WebAssembly.Module`. Written
 * without the DOM lib's names (`BufferSource`, `Response`, `WebAssembly`), so
 * a Node or Deno project compiles without `lib: ["dom"]`: each case is the
 * shape of the real class, by members only it has.
 */
export type InitInput = string | UrlLike | ResponseLike | PromiseLike<ResponseLike> | WasmBytes | WasmModule;
/** A `URL`. */
export interface UrlLike {
  readonly href: string;
  readonly searchParams: unknown;
}
/** A fetch `Response`. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** The wasm's bytes. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;
/**
 * A compiled `WebAssembly.Module`, where the program's libs declare the class
 * (DOM, webworker, Deno's); without them, none (`never`: pass the bytes).
 * (`& object`: the lib's `Module` interface is empty, which a number or a
 * string would match.)
 */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never) => infer M } }
  ? M & object
  : never;

/** Browser entries: loads the wasm (default: the file next to the module). Node, Deno, Bun and the inline entries: resolves at once. */
export function init(input?: InitInput): Promise<void>;
/** Loads the wasm synchronously (browser entries); a no-op where it is loaded on import. */
export function initSync(module: WasmBytes | WasmModule): void;
/** The package version. */
export function version(): string;
/** Bytes of wasm linear memory in use (it only grows); for leak checks and diagnostics. */
export function wasmMemoryBytes(): number;

// <default-export>
/** The ESM entries' default export: the same API as one object. */
declare const workflowTelemetryBridge: {
  TelemetryBridge: typeof TelemetryBridge;
  decodeEntry: typeof decodeEntry;
  redactInvocation: typeof redactInvocation;
  toWire: typeof toWire;
  version: typeof version;
  wasmMemoryBytes: typeof wasmMemoryBytes;
  init: typeof init;
  initSync: typeof initSync;
};
export default workflowTelemetryBridge;
// </default-export>
