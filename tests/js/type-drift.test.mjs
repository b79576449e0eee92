// The TypeScript declarations cannot drift from what the wasm produces and
// accepts:
// - every output (snapshots of every sample, the lite snapshot, pages, step
//   details, ingest reports, OTLP, bridge entries, stats, wire bodies) is
//   written as a typed object literal and checked by tsc, whose excess-property
//   check refuses any key the declarations lack, and whose type check refuses
//   a value they do not allow (a dialect missing from `Dialect`, say);
// - every options type declares exactly the keys the binding accepts: the
//   binding names its keys when it refuses an unknown one (`known`), and the
//   declared ones are read from the d.ts with the TypeScript compiler API.
// A field added in Rust and not in TypeScript fails both (shown below).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installPacked } from './pack.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TOOLS = join(ROOT, 'tools', 'node_modules');
const TSC = join(TOOLS, '.bin', 'tsc');
const ts = createRequire(join(TOOLS, 'x.js'))('typescript');
const SAMPLES = ['swamp-deploy', 'orchestrator-build', 'tasker-checkout', 'hostile-names', 'github-actions-ci']
  .map((s) => readFileSync(join(ROOT, 'www', 'samples', `${s}.ndjson`), 'utf8'));

let pkg;
let api;

before(() => {
  pkg = installPacked();
  api = pkg.require('workflow-telemetry');
});

/** Every output shape, from real calls, under the d.ts type it is declared as. */
function outputs() {
  const { RunModel, TelemetryBridge, toWire, decodeEntry, redactInvocation } = api;
  let id = 0;
  const model = new RunModel({ clock: () => 1_770_000_000_000, idGenerator: () => `id-${id++}`, stepThresholdMs: 1 });
  const reports = SAMPLES.map((text, i) => model.ingestNdjson(text, { source: `s${i}`, entries: true, events: true }));
  reports.push(model.ingestNdjson('{"kind":\n[1]\n', { source: 'bad' }));
  const lite = JSON.parse(model.snapshotJson({ lite: true }));
  const refs = lite.runs.flatMap((r) => r.steps.map((s) => s.detailRef));
  const bridge = new TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => `b-${id++}`, clock: () => 1_770_000_000_000 });
  const entries = bridge.observeNdjson(SAMPLES[0]).entries.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  entries.push(...bridge.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', modelName: 'x' }));
  entries.push(...bridge.finalize('cancelled'));
  return [
    ['RunSnapshot', model.snapshot()],
    ['LiteSnapshot', lite],
    ['HeldBack[]', refs.map((r) => model.stepDetail(r))],
    ['RunPage', model.runs({ limit: 3 })],
    ['RunDetail', model.run('9876543210', 'github_actions')],
    ['EvictedCounts', model.evicted],
    ['IngestResult[]', reports],
    ['NdjsonResult', bridge.pushNdjson('{"kind":"started","runId":"q","workflowName":"w"}\n{')],
    ['NdjsonResult', bridge.endNdjson()],
    ['OtlpTraceRequest', model.exportTraces()],
    ['TelemetryEntryData[]', entries],
    ['TelemetryEntryData', decodeEntry(entries[0])],
    ['BridgeStats', bridge.stats()],
    ['WireBody', toWire(entries, { distinctId: 'u', repoId: 'r' })],
    ['WireBody', toWire(entries.slice(0, 1), { distinctId: 'u' })],
    ['CommandInvocationData', redactInvocation(['model', 'method', 'run', 'x', '--token', 's'])],
  ];
}

const HEADER = `import type { RunSnapshot, RunDetail, LiteStepDetail, HeldBack, RunPage, EvictedCounts, IngestResult,
  NdjsonResult, OtlpTraceRequest, TelemetryEntryData, BridgeStats, WireBody, CommandInvocationData } from 'workflow-telemetry';
type LiteSnapshot = Omit<RunSnapshot, 'runs'> & { runs: Array<Omit<RunDetail, 'steps'> & { steps: LiteStepDetail[] }> };
`;

/** tsc's verdict on the outputs, each a literal of its declared type. */
function typecheck(list, file) {
  const body = list.map(([type, value], i) => `export const v${i}: ${type} = ${JSON.stringify(value, null, 1)};`).join('\n');
  writeFileSync(join(pkg.project, file), HEADER + body + '\n');
  return spawnSync(TSC, ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', file], { cwd: pkg.project, encoding: 'utf8' });
}

test('every output of every sample is exactly what the declarations describe', () => {
  const r = typecheck(outputs(), 'outputs.ts');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('a field the wasm adds without the declarations fails the check', () => {
  const list = outputs();
  // What a new serialised field on a step would produce, three levels down.
  const snapshot = structuredClone(list[0][1]);
  snapshot.runs[0].steps[0].addedInRust = 1;
  const r = typecheck([['RunSnapshot', snapshot]], 'drift.ts');
  assert.notEqual(r.status, 0, 'tsc accepted an undeclared field');
  assert.match(r.stdout, /TS2353: .*'"addedInRust"' does not exist in type 'StepDetail'/);
  // And a value the declarations do not allow: a dialect missing from the union.
  const other = structuredClone(list[0][1]);
  other.runs[0].dialect = 'jenkins';
  const r2 = typecheck([['RunSnapshot', other]], 'drift2.ts');
  assert.match(r2.stdout, /'"jenkins"' is not assignable to type 'Dialect'/);
});

/** The property names of a type in the installed declarations. */
function declaredKeys(typeText) {
  const file = join(pkg.project, 'keys.ts');
  writeFileSync(file, `import type * as W from 'workflow-telemetry';\nexport type T = ${typeText};\n`);
  const program = ts.createProgram([file], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const alias = source.statements.find((s) => ts.isTypeAliasDeclaration(s));
  const type = checker.getTypeAtLocation(alias.name);
  return checker.getPropertiesOfType(checker.getNonNullableType(type)).map((p) => p.getName()).sort();
}

/** The keys the binding accepts, as it names them when refusing another. */
function acceptedKeys(call) {
  try {
    call({ notAnOption: 1 });
  } catch (e) {
    assert.equal(e.name, 'ArgumentError');
    assert.equal(e.field.endsWith('.notAnOption'), true, e.message);
    return [...e.known].sort();
  }
  assert.fail('an unknown option was accepted');
}

test('every options type declares exactly the keys the binding accepts', () => {
  const { RunModel } = api;
  const m = new RunModel();
  const functions = ['clock', 'idGenerator'];
  // [declared type, a call taking those options, keys accepted there but
  // declared only for another call (endNdjson's `discard`, ignored elsewhere)]
  const cases = [
    ['W.RunModelOptions', (o) => new RunModel(o)],
    ['NonNullable<Parameters<W.RunModel["ingestNdjson"]>[1]>', (o) => m.ingestNdjson('', o), ['discard']],
    ['NonNullable<Parameters<W.RunModel["endNdjson"]>[0]>', (o) => m.endNdjson(o)],
    ['W.RunQuery', (o) => m.runs(o)],
    ['NonNullable<Parameters<W.RunModel["snapshotJson"]>[0]>', (o) => m.snapshotJson(o)],
    ['W.TraceExportOptions', (o) => m.exportTraces(o)],
    ['W.MetricsExportOptions', (o) => m.exportMetrics(o)],
    ['W.LogExportOptions', (o) => m.exportLogs(o)],
    ['W.EventSelection', (o) => new RunModel({ events: o })],
  ];
  for (const [type, call, elsewhere = []] of cases) {
    const declared = declaredKeys(type).filter((k) => !functions.includes(k));
    const accepted = acceptedKeys(call).filter((k) => !elsewhere.includes(k));
    assert.deepEqual(declared, accepted, type);
  }
});

/** The value (class and function) exports a module's declarations name. */
/** The values `spec` declares, as an ESM (`.mts`) or a CommonJS (`.cts`) importer sees them. */
function declaredValues(spec, ext = 'mts') {
  const file = join(pkg.project, `values.${ext}`);
  writeFileSync(file, `export * as M from '${spec}';\n`);
  const program = ts.createProgram([file], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file).statements[0].exportClause.name);
  const resolved = checker.getAliasedSymbol(module);
  const target = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  return checker.getExportsOfModule(resolved)
    .filter((s) => target(s).flags & ts.SymbolFlags.Value)
    .map((s) => s.getName()).sort();
}

test('each entry declares exactly the functions and classes it exports, to import and to require', async () => {
  for (const spec of ['workflow-telemetry', 'workflow-telemetry/bridge', 'workflow-telemetry/inline', 'workflow-telemetry/bridge/inline']) {
    const importer = join(pkg.project, `import-${spec.replaceAll('/', '-')}.mjs`);
    writeFileSync(importer, `import * as M from '${spec}';\nexport { M };\n`);
    const imported = Object.keys((await import(pathToFileURL(importer).href)).M).sort();
    assert.ok(imported.includes('default'), `${spec}: the ESM entry has a default export`);
    assert.deepEqual(declaredValues(spec, 'mts'), imported, `${spec} (import)`);
    const required = Object.keys(pkg.require(spec)).filter((k) => k !== '__esModule').sort();
    assert.deepEqual(declaredValues(spec, 'cts'), required.filter((k) => k !== 'default'), `${spec} (require)`);
  }
});
