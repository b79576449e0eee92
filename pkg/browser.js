// Browser and bundler entry (ESM). Call `await init()` once before using the
// API; by default it fetches `workflow_telemetry_bg.wasm` next to the glue
// (bundlers understand the `new URL(..., import.meta.url)` the glue uses).
import initWasm, { initSync as initWasmSync, TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes }
  from './dist/web/workflow_telemetry.js';
import { loader } from './loader.js';

export const { init, initSync } = loader(initWasm, initWasmSync);
export { TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
export default { init, initSync, TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
