// Browser and bundler entry of workflow-telemetry/bridge (ESM): the bridge, the
// entry codec and redaction, from a wasm less than half the size of the full
// package's. Call `await init()` once before using the API; by default it
// fetches `workflow_telemetry_bridge_bg.wasm` next to the glue.
import initWasm, { initSync as initWasmSync, TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes }
  from './dist/web/workflow_telemetry_bridge.js';

let ready;

/**
 * Loads the wasm. `input` may be a URL, a Response, bytes or a compiled
 * WebAssembly.Module; omit it to fetch the file shipped with the package.
 * Safe to call more than once: later calls return the first call's promise.
 */
export function init(input) {
  if (!ready) {
    ready = initWasm(input === undefined ? undefined : { module_or_path: input }).then(() => undefined);
  }
  return ready;
}

/** Loads the wasm synchronously from bytes or a compiled WebAssembly.Module. */
export function initSync(module) {
  initWasmSync({ module });
  ready = Promise.resolve();
}

export { TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
export default { init, initSync, TelemetryBridge, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
