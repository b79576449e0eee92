'use strict';
// Node entry of workflow-telemetry/bridge (CommonJS): the bridge, the entry
// codec and redaction, from a wasm less than half the size of the full
// package's (no run model, dialect readers or exporters). Loaded synchronously
// at require time, like the full Node entry.
const wasm = require('./dist/node/workflow_telemetry_bridge.js');

module.exports = {
  TelemetryBridge: wasm.TelemetryBridge,
  toWire: wasm.toWire,
  decodeEntry: wasm.decodeEntry,
  redactInvocation: wasm.redactInvocation,
  version: wasm.version,
  wasmMemoryBytes: wasm.wasmMemoryBytes,
  init: () => Promise.resolve(),
  initSync: () => {},
};
