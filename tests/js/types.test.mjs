// The TypeScript declarations, checked by tsc in strict mode from a consumer
// project that installed the packed tarball. `@ts-expect-error` lines prove the
// types are precise: if a type were too loose, the directive would be unused
// and tsc would fail.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked } from './pack.mjs';

const TSC = resolve(import.meta.dirname, '..', '..', 'tools', 'node_modules', '.bin', 'tsc');
let pkg;

const CONSUMER = `
import { TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, init, version, wasmMemoryBytes } from 'workflow-telemetry';
import type { WorkflowEvent, TelemetryEntryData, LineError, WireBody, RunSnapshot, RunDetail, StepStatus, LiteStepDetail, HeldBack, RunPage, RunStatus, IngestResult } from 'workflow-telemetry';
import * as slim from 'workflow-telemetry/bridge';
import type { TelemetryEntryData as SlimEntry, NdjsonResult } from 'workflow-telemetry/bridge';

await init();
const bridge = new TelemetryBridge({ parentInvocationId: 'p', clock: () => Date.now(), idGenerator: () => 'x' });
const event: WorkflowEvent = { kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: 5 };
const entries: readonly TelemetryEntryData[] = bridge.observe(event);
const drained: readonly TelemetryEntryData[] = bridge.finalize('cancelled', '2026-02-05T10:00:00.000Z');

function describe(e: WorkflowEvent): string {
  switch (e.kind) {
    case 'step_failed': return e.error + (e.userError ? ' (user)' : '');
    case 'started': return e.workflowName;
    case 'method_executing': return e.methodName;
    default: return e.kind;
  }
}
describe(event);

const result = bridge.observeNdjson('');
const first: LineError | undefined = result.errors[0];
const line: number | undefined = first?.line;
const accepted: number = result.accepted;
const body: WireBody = toWire([...entries, ...drained], { distinctId: 'u', repoId: 'r' });
const count: number = 'events' in body ? body.events.length : body.properties.durationMs;
const status: 'success' | 'error' | 'user_error' = decodeEntry({}).result.status;
const inv = redactInvocation(['model', 'method', 'run'], { argSchemas: { 'model method': ['categorical', 'redact'] } });
const sub: string | undefined = inv.subcommand;
const v: string = version();
const memoryBytes: number = wasmMemoryBytes();
const inFlight: number = bridge.inFlight;

const model = new RunModel({ stepThresholdMs: 1000, filterParameters: ['pin'] });
model.ingest({ event: 'job.lifecycle.enqueue', job_id: 'j' });
const snapshot: RunSnapshot = model.snapshot();
const detail: RunDetail | undefined = model.run('j');
const stepStatus: StepStatus | undefined = detail?.steps[0]?.status;
const critical: string[] = snapshot.runs[0].summary.criticalPath;
const traces = model.exportTraces({ serviceName: 'ci', sampleRate: 0.5 });
const spanId: string | undefined = traces.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.spanId;
const metrics: string = model.exportMetrics({ prefix: 'ci', format: 'openmetrics', buckets: [0.1, 1] });
const logs: string = model.exportLogs({ format: 'logfmt', minLevel: 'warn', events: { deny: ['job.module.*'] } });
const kept: { event: string; job_id: string } = model.redactEvent({ event: 'job.lifecycle.enqueue', job_id: 'j' });
const filtered: number = model.filtered;
const liteJson: string = model.snapshotJson({ lite: true });
const liteStep: LiteStepDetail = { id: 'a', job: 'j', name: 'a', status: 'completed', state: 'completed', attempts: [], detailRef: 0 };
const held: HeldBack | undefined = model.stepDetail(liteStep.detailRef);
const entriesText: string = model.childEntriesNdjson();
// @ts-expect-error the entries of a call are read-only (the empty one is shared and frozen)
entries.push(drained[0]);
// @ts-expect-error a lite step holds back its transitions
const liteTransitions = liteStep.transitions;
new RunModel({ events: { allow: ['task.*'] } });
// @ts-expect-error metric formats are a closed set
model.exportMetrics({ format: 'json' });
// @ts-expect-error log levels are a closed set
model.exportLogs({ minLevel: 'debug' });
// @ts-expect-error run statuses are a closed set
const badRun: RunDetail['status'] = 'done';

// Streams: chunks, sources, pages, retention.
const pushed: NdjsonResult = bridge.pushNdjson(new Uint8Array([0x7b, 0x7d, 0x0a]));
const ended: NdjsonResult = bridge.endNdjson();
const abandonedRuns: number = bridge.stats().abandoned + bridge.stats().runs;
const nested: WorkflowEvent = { kind: 'started', runId: 'n', workflowName: 'w', parentRunId: 'r' };
const ending: WorkflowEvent = { kind: 'completed', runId: 'r' };
const streaming = new RunModel({ maxRuns: 100, maxFinishedAgeMs: 60000, stallAfterMs: null, idGenerator: () => 'x', metricsBuckets: [1, 10] });
const report: IngestResult = streaming.ingestNdjson('', { source: 'engine-a', entries: true, events: true });
const deliveredFirst: TelemetryEntryData | undefined = report.entries?.[0];
streaming.pushNdjson('{}', { source: 'tail' });
const dropped: number | undefined = streaming.endNdjson({ source: 'tail', discard: true }).discarded;
const page: RunPage = streaming.runs({ limit: 10, status: ['abandoned', 'stalled'], order: 'oldest', topLevel: true });
const cursor: string | null = page.nextCursor;
const stalled: true | undefined = page.runs[0]?.stalled;
const gone: number = streaming.evicted.runs + streaming.runCount + streaming.inFlight + streaming.snapshot().evicted.unfinished;
const abandoned: RunStatus = 'abandoned';
streaming.ingest({ kind: 'started', runId: 'r', workflowName: 'w' }, { source: 'live' });
// @ts-expect-error page order is newest or oldest
streaming.runs({ order: 'random' });
// @ts-expect-error a chunk is text or bytes
bridge.pushNdjson(42);

// @ts-expect-error methodName is required on method_executing
const missing: WorkflowEvent = { kind: 'method_executing', jobId: 'j', stepId: 's' };
// @ts-expect-error statuses are a closed set
const badStatus: TelemetryEntryData['result']['status'] = 'ok';
// @ts-expect-error parentInvocationId is required
new TelemetryBridge({});
// @ts-expect-error argument kinds are a closed set
redactInvocation(['a'], { argSchemas: { 'a b': ['keep'] } });
// @ts-expect-error inFlight is read-only
bridge.inFlight = 3;

await slim.init();
const slimBridge = new slim.TelemetryBridge({ parentInvocationId: 'p' });
const slimEntries: readonly SlimEntry[] = slimBridge.observe(event);
const slimResult: NdjsonResult = slimBridge.observeNdjson('');
const slimBody: WireBody = slim.toWire(slimEntries, { distinctId: 'u' });
// @ts-expect-error the bridge entry has no run model
new slim.RunModel();

export { pushed, ended, abandonedRuns, nested, ending, deliveredFirst, dropped, cursor, stalled, gone, abandoned, slimResult, slimBody, liteJson, held, entriesText, liteTransitions, memoryBytes, spanId, metrics, logs, kept, filtered, line, accepted, count, status, sub, v, inFlight, missing, badStatus, stepStatus, critical, badRun };
`;

before(() => {
  pkg = installPacked();
  writeFileSync(join(pkg.project, 'consumer.ts'), CONSUMER);
});

for (const moduleResolution of ['nodenext', 'bundler']) {
  test(`the declarations type-check a strict consumer (moduleResolution ${moduleResolution})`, () => {
    const module = moduleResolution === 'nodenext' ? 'nodenext' : 'esnext';
    const r = spawnSync(TSC, ['--noEmit', '--strict', '--target', 'es2022', '--module', module,
      '--moduleResolution', moduleResolution, '--lib', 'es2022,dom', 'consumer.ts'],
    { cwd: pkg.project, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
