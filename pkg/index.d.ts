// Type declarations for workflow-telemetry. Hand-written: the wasm-bindgen
// output leaves every value untyped; these are the real shapes.

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
   *  belongs to the root run, the first `started` seen. */
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

/** Kinds the bridge accepts and ignores. */
export type IgnoredEventKind =
  | 'job_started' | 'job_completed' | 'job_skipped' | 'step_started' | 'step_skipped'
  | 'env_var_warning' | 'method_output' | 'method_event' | 'report_started'
  | 'report_completed' | 'report_failed' | 'completed' | 'validating_inputs'
  | 'evaluating_workflow' | 'error';

export interface IgnoredEvent extends EventBase {
  kind: IgnoredEventKind;
  [field: string]: unknown;
}

/** The canonical workflow event vocabulary, discriminated on `kind`. */
export type WorkflowEvent =
  | StartedEvent
  | ModelResolvedEvent
  | MethodExecutingEvent
  | StepCompletedEvent
  | StepFailedEvent
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
  drained: number;
}

export class TelemetryBridge {
  /** @throws {TypeError} named `ArgumentError` when an option has the wrong type. */
  constructor(options: TelemetryBridgeOptions);
  /** Entries closed by this event, in order. Ignored after `finalize`.
   *  @throws {TypeError} named `EventError` (with `field`) for an invalid event; nothing is applied. */
  observe(event: WorkflowEvent): TelemetryEntryData[];
  /** Closes every in-flight invocation as an error, in start order. Idempotent.
   *  `at` replaces the clock reading (epoch ms or ISO-8601). */
  finalize(reason?: string, at?: EventTimestamp): TelemetryEntryData[];
  /** One event per line; a bad line is reported and every other line processed. */
  observeNdjson(text: string): NdjsonResult;
  stats(): BridgeStats;
  readonly inFlight: number;
  readonly finalized: boolean;
  /** The latest event `timestamp` seen, in epoch ms. */
  readonly lastEventAt: number | undefined;
  readonly sinkErrors: number;
  /** Releases the wasm memory now rather than at garbage collection. */
  free(): void;
}

// --------------------------------------------------------------- run model

/** Which vocabulary a run was described in. */
export type Dialect = 'swamp' | 'orchestrator' | 'tasker';
export type RunStatus = 'pending' | 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
export type StepStatus =
  | 'pending' | 'queued' | 'running' | 'retrying' | 'completed' | 'failed' | 'panicked' | 'cancelled' | 'skipped';
/** method: a method/module/handler failed; structural: no method to blame (workflow-task
 *  step, validation before the method); transition: an illegal transition; panic: a crash;
 *  cancellation: cancelled or timed out from outside. */
export type FailureClass = 'method' | 'structural' | 'transition' | 'panic' | 'cancellation';

/** Any JSON value (redacted payloads: inputs, results, context). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Transition {
  /** The state left; absent when the state before is unknown (a step's first transition). */
  from?: string;
  /** The dialect's state name (`Running`, `in_progress`, `executing`, ...). */
  to: string;
  /** The event that caused it. */
  event: string;
  reason?: string;
  /** ISO-8601 UTC. */
  at?: string;
  /** Milliseconds spent in `from`. */
  inPreviousMs?: number;
}

/** A transition the dialect's state machine does not allow, recorded with the offending event. */
export interface Violation {
  event: string;
  /** Input line, when the event came from NDJSON. */
  line?: number;
  step?: string;
  from?: string;
  to: string;
  message: string;
  at?: string;
}

export interface RunFailure {
  class: FailureClass;
  errorType?: string;
  /** Redacted at ingestion (parameter filter; swamp model names scrubbed). */
  message: string;
  /** Failed, but the run was allowed to continue (swamp `allowedFailure`). */
  allowed?: true;
}

export interface Attempt {
  number: number;
  status: StepStatus;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  error?: RunFailure;
}

export interface StepDetail {
  /** Unique within the run: `job/step` for swamp, the module or step name otherwise. */
  id: string;
  job: string;
  name: string;
  status: StepStatus;
  /** The dialect's state name. */
  state: string;
  attempts: Attempt[];
  transitions: Transition[];
  dependsOn?: string[];
  error?: RunFailure;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  inputs?: JsonValue;
  results?: JsonValue;
  /** The nested run this step started (swamp workflow-task steps). */
  childRun?: string;
  /** The step's redacted child telemetry entry (swamp). */
  telemetry?: TelemetryEntryData;
  overThreshold?: true;
  critical?: true;
}

/** What a lite snapshot's steps hold back (`RunModel.stepDetail`). */
export interface HeldBack {
  transitions: Transition[];
  telemetry?: TelemetryEntryData;
  inputs?: JsonValue;
  results?: JsonValue;
}

/** A step of a lite snapshot (`snapshotJson({ lite: true })`): without the
 *  fields of `HeldBack`, numbered in run then step order by `detailRef`. */
export type LiteStepDetail = Omit<StepDetail, keyof HeldBack> & { detailRef: number };

export interface JobDetail {
  name: string;
  dependsOn?: string[];
  status?: string;
}

/** Fan-out accountability: `spawned` equals the sum of the other buckets. */
export interface StepCounts {
  spawned: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  panicked: number;
  cancelled: number;
  skipped: number;
}

export interface RunSummary {
  durationMs?: number;
  queueWaitMs?: number;
  executionMs?: number;
  timeInStateMs: Record<string, number>;
  counts: StepCounts;
  /** Step ids, first to last. */
  criticalPath: string[];
  bottleneck?: string;
  overThreshold: string[];
  failure?: FailureClass;
  violationCount: number;
}

export interface RunDetail {
  id: string;
  dialect: Dialect;
  name: string;
  status: RunStatus;
  state: string;
  project?: string;
  correlationId?: string;
  parentCorrelationId?: string;
  parentRun?: string;
  parentStep?: string;
  parentInvocationId?: string;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  error?: RunFailure;
  context?: JsonValue;
  jobs: JobDetail[];
  steps: StepDetail[];
  transitions: Transition[];
  violations: Violation[];
  summary: RunSummary;
}

export interface StepStat {
  name: string;
  count: number;
  p50Ms: number;
  p95Ms: number;
}

export interface WorkflowAggregate {
  name: string;
  runs: number;
  failed: number;
  failureRate: number;
  steps: StepStat[];
}

export interface RunSnapshot {
  runs: RunDetail[];
  workflows: WorkflowAggregate[];
  /** Events that belong to no run (a `completed` for a run never started), recorded rather than dropped. */
  violations: Violation[];
}

export interface RunModelOptions {
  /** Key substrings whose values are masked (case-insensitive). Default Tasker's:
   *  passw email secret token _key crypt salt certificate otp ssn. */
  filterParameters?: string[];
  /** Regular expressions matched against keys. */
  filterPatterns?: string[];
  /** Default `[REDACTED]`. */
  filterMask?: string;
  /** Steps longer than this are marked `overThreshold`. */
  stepThresholdMs?: number;
  /** Per step name; wins over `stepThresholdMs`. */
  stepThresholdsMs?: Record<string, number>;
  /** Stamped on swamp child entries. */
  parentInvocationId?: string;
  version?: string;
  runtimeVersion?: string;
  platform?: string;
  /** "Now" for running steps when events carry no timestamps; default `Date.now`. */
  clock?: () => number;
  maxLineBytes?: number;
  /** Deepest nesting of arrays and objects per line (default 64, at most 128 in effect). */
  maxDepth?: number;
  /** Which events reach the model, by exact name or glob (`job.module.*`);
   *  `deny` wins over `allow`. Kept-out events are counted in `filtered`. */
  events?: EventSelection;
}

export interface EventSelection {
  allow?: string[];
  deny?: string[];
}

export interface IngestResult {
  accepted: number;
  errors: LineError[];
}

export class RunModel {
  /** @throws {TypeError} named `ArgumentError` for a bad option (e.g. an invalid pattern). */
  constructor(options?: RunModelOptions);
  /** Any dialect: swamp `kind` events, orchestrator `job.*`, Tasker `task.*`/`step.*`.
   *  @throws {TypeError} named `IngestError` (with `field`); nothing of the event is applied. */
  ingest(event: object): void;
  ingestNdjson(text: string): IngestResult;
  snapshot(): RunSnapshot;
  /** The snapshot as JSON text (one string to parse, not a tree of objects to
   *  build). `{ lite: true }`: steps as `LiteStepDetail`, about a third of the
   *  size; what the viewer loads. @throws {TypeError} named `ArgumentError`. */
  snapshotJson(options?: { lite?: boolean }): string;
  /** What the lite snapshot held back of the step with `detailRef`; undefined
   *  when there is no such step. Valid until the next ingest. */
  stepDetail(detailRef: number): HeldBack | undefined;
  /** Every swamp step's redacted child telemetry entry as NDJSON, in run then step order. */
  childEntriesNdjson(): string;
  /** `dialect` picks among runs of several dialects that share an id. */
  run(runId: string, dialect?: Dialect): RunDetail | undefined;
  /** The event as it may be passed on (e.g. to a live stream): filtered keys and
   *  `key=value` secrets masked, swamp model names redacted. */
  redactEvent<T extends object>(event: T): T;
  /** How many events the `events` option kept out. */
  readonly filtered: number;
  /** OTLP/JSON `ExportTraceServiceRequest`: a trace per sampled run.
   *  @throws {TypeError} named `ArgumentError` for a bad option. */
  exportTraces(options?: TraceExportOptions): OtlpTraceRequest;
  /** The OTLP file-exporter form: one `TracesData` JSON object per line. */
  exportTracesJsonl(options?: TraceExportOptions): string;
  /** Prometheus text exposition 0.0.4 (or OpenMetrics 1.0); never sampled. */
  exportMetrics(options?: MetricsExportOptions): string;
  /** Structured lifecycle records, JSON Lines (default) or logfmt. */
  exportLogs(options?: LogExportOptions): string;
  free(): void;
}

// ---------------------------------------------------------------- exports

export interface TraceExportOptions {
  /** `service.name` resource attribute; default `workflow-telemetry`. */
  serviceName?: string;
  serviceVersion?: string;
  /** 0..1, decided once per run from its trace id; failed runs, panics and
   *  threshold violations are always kept. Default 1. */
  sampleRate?: number;
}

export interface MetricsExportOptions {
  /** Metric name prefix; default `workflow`. */
  prefix?: string;
  /** Histogram bucket bounds in seconds, ascending. */
  buckets?: number[];
  /** Series kept per metric family; the rest are counted as dropped. */
  maxSeriesPerMetric?: number;
  format?: 'prometheus' | 'openmetrics';
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogExportOptions {
  format?: 'json' | 'logfmt';
  minLevel?: LogLevel;
  /** Same per-run decision as traces; errors always kept. */
  sampleRate?: number;
  events?: EventSelection;
}

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpAnyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Nanoseconds since the epoch, as a decimal string. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events?: { timeUnixNano: string; name: string; attributes?: OtlpKeyValue[] }[];
  links?: { traceId: string; spanId: string; attributes?: OtlpKeyValue[] }[];
  /** code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[];
  }[];
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
export function toWire(entries: TelemetryEntryData[], opts: WireOptions): WireBody;

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

/** Browser: loads the wasm (default: the file next to the module). Node: resolves at once. */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
/** Loads the wasm synchronously (browser entry); a no-op in Node. */
export function initSync(module: BufferSource | WebAssembly.Module): void;
/** The package version. */
export function version(): string;
/** Bytes of wasm linear memory in use (it only grows); for leak checks and diagnostics. */
export function wasmMemoryBytes(): number;
