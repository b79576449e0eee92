// Options read declaratively by the binding: unknown keys refused with the
// keys that are options, a number JSON cannot hold refused rather than read
// as "not given", and each bad value named by its path.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { installPacked } from './pack.mjs';

let api;
before(() => {
  api = installPacked().require('workflow-telemetry');
});

const refused = (fn) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('accepted');
};

test('a misspelt option is refused, naming it and the options there are', () => {
  const e = refused(() => new api.RunModel({ maxRun: 10 }));
  assert.equal(e.name, 'ArgumentError');
  assert.ok(e instanceof TypeError);
  assert.equal(e.field, 'options.maxRun');
  assert.ok(e.known.includes('maxRuns'), e.message);
  assert.match(e.message, /^options\.maxRun: no such option \(the options are .*maxRuns/);
  const q = refused(() => new api.RunModel().runs({ limt: 5 }));
  assert.equal(q.field, 'query.limt');
  const nested = refused(() => new api.RunModel({ events: { alow: ['x'] } }));
  assert.equal(nested.field, 'options.events.alow');
  assert.deepEqual([...nested.known], ['allow', 'deny']);
});

test('NaN and infinities are refused where they are, not read as absent', () => {
  const e = refused(() => new api.RunModel({ stepThresholdsMs: { build: NaN } }));
  assert.equal(e.field, 'options.stepThresholdsMs.build');
  assert.equal(e.expected, 'a finite number');
  const b = refused(() => new api.RunModel().exportMetrics({ buckets: [1, Infinity] }));
  assert.equal(b.field, 'options.buckets[1]');
});

test('bad values name their path and what was expected', () => {
  const m = new api.RunModel();
  const cases = [
    [() => new api.RunModel({ maxRuns: 0 }), 'options.maxRuns', 'a positive integer'],
    [() => new api.RunModel({ filterParameters: ['a', 1] }), 'options.filterParameters[1]', 'a string'],
    [() => m.exportLogs({ format: 'xml' }), 'options.format', 'one of json, logfmt'],
    [() => m.exportTraces({ sampleRate: 2 }), 'options.sampleRate', 'a number from 0 to 1'],
    [() => m.ingestNdjson('', { source: 5 }), 'options.source', 'a string'],
    [() => m.snapshotJson('lite'), 'options', 'an options object'],
  ];
  for (const [call, field, expected] of cases) {
    const e = refused(call);
    assert.equal(e.name, 'ArgumentError', field);
    assert.equal(e.field, field);
    assert.equal(e.expected, expected, field);
    assert.equal(e.message, `${field}: expected ${expected}`);
  }
  // Functions are the caller's callbacks, read apart from the data.
  assert.equal(refused(() => new api.RunModel({ clock: 5 })).field, 'options.clock');
  new api.RunModel({ clock: () => 0, idGenerator: () => 'x', stallAfterMs: null });
});
