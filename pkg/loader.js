// Loading for the browser entries (browser.js, bridge.js) and the inline
// entries (inline.js, bridge.inline.js): each wraps its own wasm-bindgen glue
// in the same `init`/`initSync` pair. Nothing here reaches the network: the
// browser entries fetch only the wasm next to the module (same origin once
// bundled), and the inline entries fetch nothing.

/** What a server runtime running the browser entry is told when its fetch of the wasm file failed. */
const WRONG_ENTRY = 'workflow-telemetry: init() could not load the wasm next to the browser entry '
  + '(dist/web/*_bg.wasm; a fetch of a file fails in Node and needs --allow-read in Deno). '
  + "In Node import 'workflow-telemetry' (its Node entry is ready on import); in Deno and Bun the same "
  + "specifier gives their entry; anywhere, import 'workflow-telemetry/inline' (the wasm inside the module), "
  + 'or pass the bytes: init(bytes).';

/**
 * `init(input?)` loads the wasm once: `input` may be a URL, a Response, bytes
 * or a compiled WebAssembly.Module, or omitted to fetch the file shipped with
 * the package; later calls return the first call's promise, unless it failed
 * (then the next call tries again). `initSync(module)` loads it synchronously
 * from bytes or a compiled module.
 */
export function loader(initWasm, initWasmSync) {
  let ready;
  return {
    init(input) {
      if (!ready) {
        ready = initWasm(input === undefined ? undefined : { module_or_path: input }).then(() => undefined, (err) => {
          ready = undefined;
          // Node (or Deno, Bun, a jsdom test) running the browser entry: say
          // what to import instead of a bare "fetch failed". Decided after
          // the fact: where the fetch works (Bun, Deno with --allow-read),
          // the browser entry works too.
          if (input === undefined && typeof globalThis.process?.versions?.node === 'string') {
            throw new Error(WRONG_ENTRY, { cause: err });
          }
          throw err;
        });
      }
      return ready;
    },
    initSync(module) {
      initWasmSync({ module });
      ready = Promise.resolve();
    },
  };
}

/**
 * The inline entries: the wasm is instantiated synchronously from the base64
 * payload when the entry is imported, so the API is usable at once, as with
 * the Node entry. Browsers allow a synchronous compile of this size (0.7 MB)
 * on the main thread: tests/packaging loads the esbuild, Rollup and bun
 * bundles in Chromium's. `init(input)` and `initSync(module)` accept the
 * same arguments as elsewhere and ignore them.
 */
export function inline(initWasmSync, base64) {
  initWasmSync({ module: decode(base64) });
  return { init: () => Promise.resolve(), initSync: () => {} };
}

/** Base64 to bytes: the engine's decoder where it has one, else atob. */
function decode(base64) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64);
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
