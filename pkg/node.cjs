'use strict';
// Node entry (CommonJS). The wasm is loaded synchronously at require time by the
// wasm-bindgen `nodejs` glue, so the API is usable at once; `init()` and
// `initSync()` exist only so that code written for the browser entry runs here
// unchanged.
const wasm = require('./dist/node/workflow_telemetry.js');

module.exports = {
  TelemetryBridge: wasm.TelemetryBridge,
  RunModel: wasm.RunModel,
  toWire: wasm.toWire,
  decodeEntry: wasm.decodeEntry,
  redactInvocation: wasm.redactInvocation,
  version: wasm.version,
  wasmMemoryBytes: wasm.wasmMemoryBytes,
  init: () => Promise.resolve(),
  initSync: () => {},
};
