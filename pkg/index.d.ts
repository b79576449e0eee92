// Type declarations for workflow-telemetry: everything of
// workflow-telemetry/bridge (bridge.d.ts), plus the run model and its exports.
// Hand-written: the wasm-bindgen output leaves every value untyped.

import type { LineError, TelemetryEntryData } from './bridge.js';

export * from './bridge.js';

// --------------------------------------------------------------- run model

/** Which vocabulary a run was described in. */
export type Dialect = 'swamp' | 'orchestrator' | 'tasker' | 'github_actions';
/** `abandoned`: ended without an end event, because the next run started on
 *  its source first (its engine died or lost it). */
export type RunStatus =
  | 'pending' | 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'abandoned';
export type StepStatus =
  | 'pending' | 'queued' | 'running' | 'retrying' | 'completed' | 'failed' | 'panicked' | 'cancelled' | 'skipped';
/** method: a method/module/handler failed; structural: no method to blame (workflow-task
 *  step, validation before the method); transition: an illegal transition; panic: a crash;
 *  cancellation: cancelled or timed out from outside; abandoned: the run never ended (the
 *  next run started on its source). */
export type FailureClass = 'method' | 'structural' | 'transition' | 'panic' | 'cancellation' | 'abandoned';

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
  /** The last lines the step wrote (swamp `method_output`), redacted: at
   *  most 20, each cut at 500 characters (an ellipsis marks a cut). */
  output?: string[];
  overThreshold?: true;
  critical?: true;
}

/** What a lite snapshot's steps hold back (`RunModel.stepDetail`). */
export interface HeldBack {
  transitions: Transition[];
  telemetry?: TelemetryEntryData;
  inputs?: JsonValue;
  results?: JsonValue;
  output?: string[];
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
  /** The stream it came from (`source` of ingestion), when not the default one. */
  source?: string;
  /** ISO-8601 UTC instant of its latest event (its timestamp, or its arrival). */
  lastEventAt?: string;
  /** Not ended, and no event for longer than `stallAfterMs` on the model's clock. */
  stalled?: true;
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
  /** Duration percentiles of the workflow's ended runs, when any ended. */
  p50Ms?: number;
  p95Ms?: number;
  steps: StepStat[];
}

export interface RunSnapshot {
  runs: RunDetail[];
  workflows: WorkflowAggregate[];
  /** Events that belong to no run (a `completed` for a run never started), recorded rather
   *  than dropped: the latest 1,000. */
  violations: Violation[];
  /** What retention (`maxRuns`, `maxFinishedAgeMs`) took out of the model. */
  evicted: EvictedCounts;
}

export interface EvictedCounts {
  /** Runs evicted, nested runs included. */
  runs: number;
  steps: number;
  /** Runs evicted before they ended (over `maxRuns` with nothing finished to evict). */
  unfinished: number;
  /** Events of no run dropped beyond the latest 1,000 kept. */
  violations: number;
}

/** One page of `RunModel.runs(query)`. */
export interface RunPage {
  runs: RunDetail[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Runs that match the filters, over every page. */
  total: number;
}

export interface RunQuery {
  /** Runs per page: default 100, at most 10,000. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Default `newest` (newest first). */
  order?: 'newest' | 'oldest';
  /** One status, a comma-separated list, or an array; `stalled` matches stalled runs. */
  status?: RunStatus | 'stalled' | string | Array<RunStatus | 'stalled'>;
  /** The workflow (run) name, exactly. */
  workflow?: string;
  /** The run's correlation id, or its parent's. */
  correlation?: string;
  /** The source, exactly (`''`: the default one). */
  source?: string;
  /** Only runs nested in no other. */
  topLevel?: boolean;
}

/** Where events come from, and what an ingest call should hand back. */
export interface IngestOptions {
  /** The stream (one producer) the events belong to: each source has its own root and
   *  nested runs. Default: one default source. */
  source?: string;
  /** Return the child entries the events closed (as the runs hold them, same ids). */
  entries?: boolean;
  /** Return each accepted event redacted as `redactEvent` does (for a live stream). */
  events?: boolean;
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
  /** The model's clock (epoch ms), read once per call: the arrival time stamped on events
   *  without a `timestamp`, and what stalls and retention ages are measured on.
   *  Default `Date.now`. */
  clock?: () => number;
  /** Ids of the child entries (default random UUIDs v4), so a replayed log gives the same ids. */
  idGenerator?: () => string;
  /** A run not ended with no event for this long is reported `stalled` (not closed).
   *  Default 900,000 (15 minutes); `null`: never. */
  stallAfterMs?: number | null;
  /** Hold at most this many runs: finished top-level runs are evicted first, oldest first,
   *  with their nested runs. Default: no bound. Metrics stay cumulative. */
  maxRuns?: number;
  /** Evict finished runs this long after they ended (on the model's clock). Default: never. */
  maxFinishedAgeMs?: number;
  /** Duration buckets (seconds) that evicted runs are counted in; `exportMetrics` must use
   *  the same once runs were evicted. Default the export's (5 ms to 1 h). */
  metricsBuckets?: number[];
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
  /** With `{ entries: true }`: the child entries the lines closed. */
  entries?: TelemetryEntryData[];
  /** With `{ events: true }`: each accepted event, redacted. */
  events?: Array<Record<string, JsonValue>>;
  /** `endNdjson({ discard: true })`: bytes of the unfinished last line dropped. */
  discarded?: number;
}

export class RunModel {
  /** @throws {TypeError} named `ArgumentError` for a bad option (e.g. an invalid pattern). */
  constructor(options?: RunModelOptions);
  /** Any dialect: swamp `kind` events, orchestrator `job.*`, Tasker `task.*`/`step.*`.
   *  @throws {TypeError} named `IngestError` (with `field`); nothing of the event is applied. */
  ingest(event: object, options?: IngestOptions): void;
  /** One event per line, or each element of one JSON array; lines numbered from 1 in `text`. */
  ingestNdjson(text: string, options?: IngestOptions): IngestResult;
  /** Input of `options.source` in chunks cut anywhere (text, or UTF-8 bytes): complete
   *  lines are ingested, an unfinished one waits; lines numbered from the source's first chunk. */
  pushNdjson(chunk: string | Uint8Array, options?: IngestOptions): IngestResult;
  /** The source's input ended: its unfinished last line is read (or dropped with
   *  `discard: true`), and its line numbers start again. */
  endNdjson(options?: IngestOptions & { discard?: boolean }): IngestResult;
  /** A page of runs, newest first, filtered. @throws {TypeError} named `ArgumentError`. */
  runs(query?: RunQuery): RunPage;
  /** Method invocations open over every source. */
  readonly inFlight: number;
  /** Runs held now. */
  readonly runCount: number;
  /** What retention took out so far (`violations`: events of no run dropped beyond the latest
   *  1,000, counted in the snapshot only). */
  readonly evicted: EvictedCounts;
  snapshot(): RunSnapshot;
  /** The snapshot as JSON text (one string to parse, not a tree of objects to
   *  build). `{ lite: true }`: steps as `LiteStepDetail`, about a third of the
   *  size; what the viewer loads. @throws {TypeError} named `ArgumentError`. */
  snapshotJson(options?: { lite?: boolean }): string;
  /** The lite snapshot in parts, to parse a part per task: `runs` holds the runs as JSON
   *  arrays of about 1 MiB each, in order; `rest` the other fields as one JSON object. */
  snapshotJsonParts(): { runs: string[]; rest: string };
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

// <default-export>
import type {
  TelemetryBridge as Bridge, decodeEntry as decode, redactInvocation as redact, toWire as wire,
  version as packageVersion, wasmMemoryBytes as memoryBytes, init as load, initSync as loadSync,
} from './bridge.js';
/** The ESM entries' default export: the same API as one object. */
declare const workflowTelemetry: {
  RunModel: typeof RunModel;
  TelemetryBridge: typeof Bridge;
  decodeEntry: typeof decode;
  redactInvocation: typeof redact;
  toWire: typeof wire;
  version: typeof packageVersion;
  wasmMemoryBytes: typeof memoryBytes;
  init: typeof load;
  initSync: typeof loadSync;
};
export default workflowTelemetry;
// </default-export>
