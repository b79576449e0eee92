// Loading for the browser entries (browser.js, bridge.js): each wraps its own
// wasm-bindgen glue in the same `init`/`initSync` pair.

/**
 * `init(input?)` loads the wasm once: `input` may be a URL, a Response, bytes
 * or a compiled WebAssembly.Module, or omitted to fetch the file shipped with
 * the package; later calls return the first call's promise. `initSync(module)`
 * loads it synchronously from bytes or a compiled module.
 */
export function loader(initWasm, initWasmSync) {
  let ready;
  return {
    init(input) {
      if (!ready) {
        ready = initWasm(input === undefined ? undefined : { module_or_path: input }).then(() => undefined);
      }
      return ready;
    },
    initSync(module) {
      initWasmSync({ module });
      ready = Promise.resolve();
    },
  };
}
