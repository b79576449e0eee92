// Browser and bundler entry (ESM). Call `await init()` once before using the
// API; by default it fetches `workflow_telemetry_bg.wasm` next to this module
// (bundlers understand the `new URL(..., import.meta.url)` the glue uses).
import initWasm, { initSync as initWasmSync, TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes }
  from './dist/web/workflow_telemetry.js';

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

export { TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
export default { init, initSync, TelemetryBridge, RunModel, toWire, decodeEntry, redactInvocation, version, wasmMemoryBytes };
