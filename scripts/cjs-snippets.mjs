// wasm-bindgen's nodejs glue require()s the crate's JS snippets
// (src/wasm/read_event.js), which are ES modules: this rewrites the copies
// under pkg/dist/node/snippets as CommonJS, the format of their folder. Only
// `export function` is allowed in a snippet; anything else fails the build.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DIR = resolve(import.meta.dirname, '..', 'pkg', 'dist', 'node', 'snippets');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

for (const file of files(DIR)) {
  const text = readFileSync(file, 'utf8');
  if (text.startsWith("'use strict';\n")) continue; // already CommonJS (a second run)
  const names = [...text.matchAll(/^export function (\w+)/gm)].map((m) => m[1]);
  const body = text.replace(/^export function /gm, 'function ');
  if (/^\s*(export|import)\b/m.test(body)) {
    console.error(`${file}: a snippet may only export functions (export function name)`);
    process.exit(1);
  }
  writeFileSync(file, `'use strict';\n${body}\nmodule.exports = { ${names.join(', ')} };\n`);
}
