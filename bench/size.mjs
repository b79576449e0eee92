// Size of the release wasm files against their gzip budgets in
// bench/config.json: used by `make bench` (bench/run.mjs) and runnable alone,
// `node bench/size.mjs [--config FILE]`, which prints one line per file and
// exits 1 when one is over its budget (2 when the config or a file is bad).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

/** The wasm files measured: the bridge-only build and the full package's. */
export const WASM_FILES = {
  bridge: 'workflow_telemetry_bridge_bg.wasm',
  full: 'workflow_telemetry_bg.wasm',
};

/**
 * The budgets from a parsed bench config: `gzipBudgetBytes` is one number for
 * both files, or `{ bridge, full }`, each a positive integer. A bad value
 * throws, naming the field.
 */
export function gzipBudgets(config, source = 'bench/config.json') {
  const field = `${source}: gzipBudgetBytes`;
  const value = config?.gzipBudgetBytes;
  const check = (v, name) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: expected a positive integer (bytes), got ${JSON.stringify(v)}`);
    return v;
  };
  if (typeof value === 'number') return { bridge: check(value, field), full: value };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${field}: expected a number or { bridge, full }, got ${JSON.stringify(value)}`);
  }
  return { bridge: check(value.bridge, `${field}.bridge`), full: check(value.full, `${field}.full`) };
}

/** Raw and gzip -9 (Node's zlib) size of each release wasm, with its budget. */
export function wasmSizes(budgets, dir = join(ROOT, 'pkg', 'dist', 'web')) {
  return Object.fromEntries(Object.entries(WASM_FILES).map(([name, file]) => {
    const bytes = readFileSync(join(dir, file));
    return [name, { file, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, gzipBudgetBytes: budgets[name] }];
  }));
}

/** One message per file over its budget. */
export function overBudget(sizes) {
  return Object.entries(sizes)
    .filter(([, w]) => w.gzipBytes > w.gzipBudgetBytes)
    .map(([name, w]) => `gzipped ${name} wasm ${w.gzipBytes} bytes exceeds its budget of ${w.gzipBudgetBytes} bytes`);
}

export function sizeLine(name, w) {
  return `wasm size, ${name.padEnd(6)}: ${w.rawBytes} bytes raw, ${w.gzipBytes} bytes gzip -9 (budget ${w.gzipBudgetBytes}; ${w.file})`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--config');
  const configFile = at > 0 ? process.argv[at + 1] : join(ROOT, 'bench', 'config.json');
  let sizes;
  try {
    sizes = wasmSizes(gzipBudgets(JSON.parse(readFileSync(configFile, 'utf8')), configFile));
  } catch (err) {
    console.error(`bench/size.mjs: ${err.message}`);
    process.exit(2);
  }
  for (const [name, w] of Object.entries(sizes)) console.log(sizeLine(name, w));
  const over = overBudget(sizes);
  for (const m of over) console.error(`FAIL: ${m}`);
  process.exit(over.length ? 1 : 0);
}
