#!/usr/bin/env node
// A static file server for www/ on loopback: correct MIME types (application/wasm
// for instantiateStreaming), a Content-Security-Policy that forbids inline
// script, no directory listing, no path escapes. Used by `make demo` and the
// browser tests. Usage: node scripts/serve.mjs --dir www --port 8080 [--host 127.0.0.1]
import { createServer } from 'node:http';
import { staticHandler } from '../pkg/sidecar/static.mjs';

export { CSP, staticHandler } from '../pkg/sidecar/static.mjs';

/** Serves `dir` on loopback; `extra(req, res)` may answer a request first (return true). */
export function startServer({ dir, port = 0, host = '127.0.0.1', extra }) {
  const serveFile = staticHandler(dir);
  const server = createServer((req, res) => {
    if (extra?.(req, res)) return;
    serveFile(req, res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const get = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const server = await startServer({
    dir: get('--dir', 'www'),
    port: Number(get('--port', process.env.PORT ?? 8080)),
    host: get('--host', '127.0.0.1'),
  });
  const { address, port } = server.address();
  console.log(`serving ${get('--dir', 'www')} on http://${address}:${port}/`);
}
