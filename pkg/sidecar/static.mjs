// Static files for the run viewer: correct MIME types (application/wasm for
// instantiateStreaming), a Content-Security-Policy that forbids inline script,
// no directory listing, no path escapes. Shared by `workflow-telemetry serve`
// (the viewer packaged in `viewer/`) and the repository's `make demo` server.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The file under `root` that `pathname` names, or null when it would escape
 * `root` or is malformed.
 */
function within(root, pathname) {
  let path;
  try {
    path = normalize(decodeURIComponent(pathname));
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path.endsWith('/') || path.endsWith(sep)) path += 'index.html';
  const file = resolve(join(root, path));
  return file === root || file.startsWith(root + sep) ? file : null;
}

/** Answers with the file, or 404; HEAD gets the headers only. */
async function sendFile(req, res, file) {
  const info = file && (await stat(file).catch(() => null));
  if (!info || !info.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    'content-type': MIME[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A request handler serving the files under `dir`. */
export function staticHandler(dir) {
  const root = resolve(dir);
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      await sendFile(req, res, within(root, url.pathname));
    } catch {
      if (!res.headersSent) res.writeHead(400).end('bad request');
    }
  };
}

/**
 * The viewer as the package ships it: `viewer/` at `/`, and the browser entry
 * and its wasm (`browser.js`, `loader.js`, `dist/web/*`) at `/pkg/`, where the viewer's
 * modules look for them. Nothing else of the package is served. Returns null
 * when the package was built without its viewer.
 */
export async function packagedViewer() {
  const pkgRoot = fileURLToPath(new URL('..', import.meta.url));
  const viewer = join(pkgRoot, 'viewer');
  if (!(await stat(join(viewer, 'index.html')).catch(() => null))) return null;
  const web = join(pkgRoot, 'dist', 'web');
  return async (req, res) => {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      let file;
      if (pathname === '/pkg/browser.js' || pathname === '/pkg/loader.js') file = join(pkgRoot, pathname.slice('/pkg/'.length));
      else if (pathname.startsWith('/pkg/dist/web/')) file = within(web, pathname.slice('/pkg/dist/web'.length));
      else if (pathname.startsWith('/pkg/')) file = null;
      else file = within(viewer, pathname);
      await sendFile(req, res, file);
    } catch {
      if (!res.headersSent) res.writeHead(400).end('bad request');
    }
  };
}
