// Node entry (ESM). Re-exports the CommonJS entry so that `import` and `require`
// share one wasm instance (no dual-package hazard).
import api from './node.cjs';

export const { TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes, init, initSync } = api;
export default api;
