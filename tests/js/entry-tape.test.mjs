// Entries cross into JS without JSON (src/wasm/entry_tape.rs writes them,
// src/wasm/build_entries.js builds the objects): every optional member
// present and absent, strings a UTF-16 slice could cut wrongly (astral
// characters, a leading BOM, which a UTF-8 decoder would strip, escapes),
// numbers at the edge of f64, and the objects handed out being fresh ones.
// Expected texts are written by hand, in wire order: `JSON.stringify` of a
// built entry must be them byte for byte, so a key out of order or a member
// present where it should be absent fails.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { installPacked } from './pack.mjs';

let full;
let slim;

before(() => {
  const pkg = installPacked();
  full = pkg.require('workflow-telemetry');
  slim = pkg.require('workflow-telemetry/bridge');
});

const EVERY_MEMBER =
  '{"id":"\uFEFFid-é","invocation":{"command":"model","args":["run","x\\"y\\n","🚀"],' +
  '"optionKeys":["--input"],"globalOptions":["--json"],"subcommand":"method"},' +
  '"result":{"status":"error","exitCode":-1,"errorType":"TimeoutError","errorMessage":"timed out: 日本 🚀"},' +
  '"startedAt":"2026-02-05T10:00:00.001Z","completedAt":"2026-02-05T10:00:01.500Z","durationMs":1499,' +
  '"swampVersion":"1.2.3","denoVersion":"2.0","platform":"linux",' +
  '"invocationContext":{"agentSessionDetected":true,"isInteractive":false,"configuredAiTools":["claude","ü"],"detectedAiTool":"claude"},' +
  '"parentInvocationId":"parent",' +
  '"workflowContext":{"workflowName":"wf","runId":"r","jobName":"j","stepName":"ß🚀","modelType":"command/shell","driver":"raw","executor":"local"}}';

const NO_OPTIONAL_MEMBER =
  '{"id":"a","invocation":{"command":"workflow","args":[],"optionKeys":[],"globalOptions":[]},' +
  '"result":{"status":"success","exitCode":0},' +
  '"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.000Z","durationMs":0,' +
  '"swampVersion":"","denoVersion":"","platform":""}';

const NESTED_WITHOUT_OPTIONS =
  '{"id":"b","invocation":{"command":"c","args":[""],"optionKeys":[],"globalOptions":[]},' +
  '"result":{"status":"error","exitCode":9007199254740991,"errorMessage":"only a message"},' +
  '"startedAt":"2026-02-05T10:00:00.000Z","completedAt":"2026-02-05T10:00:00.000Z","durationMs":0,' +
  '"swampVersion":"","denoVersion":"","platform":"",' +
  '"invocationContext":{"agentSessionDetected":false,"isInteractive":true},' +
  '"workflowContext":{"workflowName":"","runId":"r","jobName":"j","stepName":"s"}}';

for (const [name, text] of [
  ['every optional member', EVERY_MEMBER],
  ['no optional member', NO_OPTIONAL_MEMBER],
  ['nested objects without their optional members', NESTED_WITHOUT_OPTIONS],
]) {
  test(`decodeEntry builds the entry, member for member in wire order: ${name}`, () => {
    for (const api of [full, slim]) {
      const built = api.decodeEntry(JSON.parse(text));
      assert.equal(JSON.stringify(built), text);
    }
  });
}

test('absent members are absent keys, not undefined ones', () => {
  const built = full.decodeEntry(JSON.parse(NO_OPTIONAL_MEMBER));
  assert.deepEqual(Object.keys(built), [
    'id', 'invocation', 'result', 'startedAt', 'completedAt', 'durationMs', 'swampVersion', 'denoVersion', 'platform',
  ]);
  assert.deepEqual(Object.keys(built.result), ['status', 'exitCode']);
  assert.equal('subcommand' in built.invocation, false);
});

test("the bridge's entries: non-ASCII names, each call's objects fresh, the sink given the same entries", () => {
  for (const api of [full, slim]) {
    const delivered = [];
    const b = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id', sink: (e) => delivered.push(e) });
    const step = { jobId: 'ジョブ', stepId: 'étape-🚀' };
    b.observe({ kind: 'started', runId: 'r-1', workflowName: 'wf', timestamp: 0 });
    b.observe({ kind: 'method_executing', ...step, methodName: 'déployer', timestamp: 1000 });
    const [first] = b.observe({ kind: 'step_failed', ...step, error: 'boom\u0000"', timestamp: 2500 });
    assert.equal(
      JSON.stringify(first),
      '{"id":"id","invocation":{"command":"model","args":["run","<REDACTED>","déployer"],"optionKeys":[],"globalOptions":[],"subcommand":"method"},' +
        '"result":{"status":"error","exitCode":1,"errorType":"Error","errorMessage":"boom\\u0000\\""},' +
        '"startedAt":"1970-01-01T00:00:01.000Z","completedAt":"1970-01-01T00:00:02.500Z","durationMs":1500,' +
        '"swampVersion":"","denoVersion":"","platform":"","parentInvocationId":"p",' +
        '"workflowContext":{"workflowName":"wf","runId":"r-1","jobName":"ジョブ","stepName":"étape-🚀"}}',
    );
    assert.deepEqual(delivered, [first]);
    // A second entry of the same shape is a new object with new arrays.
    b.observe({ kind: 'method_executing', ...step, methodName: 'déployer', timestamp: 3000 });
    const [second] = b.observe({ kind: 'step_completed', ...step, timestamp: 3001 });
    assert.notEqual(second, first);
    assert.notEqual(second.invocation.args, first.invocation.args);
    first.invocation.args.push('mutated');
    assert.deepEqual(second.invocation.args, ['run', '<REDACTED>', 'déployer']);
    assert.equal(Object.isFrozen(second), false);
  }
});

test('many entries closed by one call come out in order, each whole', () => {
  const b = new full.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' });
  b.observe({ kind: 'started', runId: 'r', workflowName: 'wf', timestamp: 0 });
  const names = ['a', 'bé', '🚀c', 'd'.repeat(5000)];
  for (const s of names) b.observe({ kind: 'method_executing', jobId: 'j', stepId: s, methodName: 'm', timestamp: 1 });
  const closed = b.finalize('engine died', 10);
  assert.deepEqual(closed.map((e) => e.workflowContext.stepName), names);
  assert.deepEqual(closed.map((e) => e.result.errorMessage), names.map(() => 'engine died'));
  assert.deepEqual(closed.map((e) => e.durationMs), [9, 9, 9, 9]);
});

test('setters on Object.prototype named like optional members neither run nor change the entries', () => {
  const names = ['parentInvocationId', 'workflowContext', 'errorMessage', 'errorType', 'subcommand', 'executor'];
  const ran = [];
  for (const name of names) {
    Object.defineProperty(Object.prototype, name, {
      configurable: true,
      set() { ran.push(name); throw new Error(`setter ${name} ran`); },
      get() { return undefined; },
    });
  }
  try {
    for (const api of [full, slim]) {
      const b = new api.TelemetryBridge({ parentInvocationId: 'p', idGenerator: () => 'id' });
      b.observe({ kind: 'started', runId: 'r', workflowName: 'wf', timestamp: 0 });
      b.observe({ kind: 'method_executing', jobId: 'j', stepId: 's', methodName: 'm', timestamp: 1 });
      const [e] = b.observe({ kind: 'step_failed', jobId: 'j', stepId: 's', error: 'boom', timestamp: 2 });
      assert.equal(Object.hasOwn(e, 'parentInvocationId'), true);
      assert.equal(JSON.stringify(e.result), '{"status":"error","exitCode":1,"errorType":"Error","errorMessage":"boom"}');
      assert.equal(e.workflowContext.stepName, 's');
      // The bridge is not left borrowed: it goes on.
      b.observe({ kind: 'method_executing', jobId: 'j', stepId: 't', methodName: 'm', timestamp: 3 });
      assert.equal(b.finalize('end', 4).length, 1);
      assert.equal(JSON.stringify(api.decodeEntry(JSON.parse(EVERY_MEMBER))), EVERY_MEMBER);
    }
  } finally {
    for (const name of names) delete Object.prototype[name];
  }
  assert.deepEqual(ran, []);
});
