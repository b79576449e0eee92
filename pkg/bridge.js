// Browser and bundler entry of workflow-telemetry/bridge (ESM): the bridge, the
// entry codec and redaction, from a wasm less than half the size of the full
// package's. Call `await init()` once before using the API; by default it
// fetches `workflow_telemetry_bridge_bg.wasm` next to the glue.
import initWasm, { initSync as initWasmSync, TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes }
  from './dist/web/workflow_telemetry_bridge.js';
import { loader } from './loader.js';

export const { init, initSync } = loader(initWasm, initWasmSync);
export { TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
export default { init, initSync, TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
