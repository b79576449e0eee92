// Node entry of workflow-telemetry/bridge (ESM). Re-exports the CommonJS entry
// so that `import` and `require` share one wasm instance.
import api from './bridge.cjs';

export const { TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes, init, initSync } = api;
export default api;
