// Loading for the browser entries (browser.js, bridge.js) and the inline
// entries (inline.js, bridge.inline.js): each wraps its own wasm-bindgen glue
// in the same `init`/`initSync` pair. Nothing here reaches the network: the
// browser entries fetch only the wasm next to the module (same origin once
// bundled), and refuse to when that is a file, which only Node, Deno or Bun
// running the browser entry would ask for.

const WRONG_ENTRY = 'workflow-telemetry: init() with no argument fetches the wasm next to the browser entry, '
  + 'and here that is a file (%URL%), which this entry does not read. '
  + "In Node import 'workflow-telemetry' (its Node entry is ready on import); in Deno and Bun the same "
  + "specifier gives their entry; anywhere, import 'workflow-telemetry/inline' (the wasm inside the module), "
  + 'or pass the bytes: init(bytes).';

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
        if (input === undefined && fromFile()) {
          const url = new URL('./dist/web/', import.meta.url).href;
          return Promise.reject(new Error(WRONG_ENTRY.replace('%URL%', url)));
        }
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

/**
 * Whether this is Node, Deno or Bun running the browser entry from a file,
 * whose fetch of a file: URL fails (Node: "fetch failed") or needs a
 * permission (Deno). Not a page: webpack writes `import.meta.url` as the
 * source's file: URL at build time, so the URL alone would misjudge a bundle.
 */
function fromFile() {
  const url = import.meta.url;
  return typeof globalThis.process?.versions?.node === 'string'
    && typeof globalThis.document === 'undefined' && typeof globalThis.WorkerGlobalScope === 'undefined'
    && typeof url === 'string' && url.startsWith('file:');
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
