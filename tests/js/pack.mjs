// Packs pkg/ with `npm pack` and installs the tarball into a fresh temporary
// project, once per test run, so the JS tests exercise exactly what would be
// published (files list, exports map, bin).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const ROOT = resolve(import.meta.dirname, '..', '..');

export function installPacked() {
  const dir = mkdtempSync(join(tmpdir(), 'wt-pack-'));
  const packDir = join(dir, 'tarball');
  mkdirSync(packDir);
  // Bounded, and no update check (a registry call): a stuck npm fails this run instead of hanging it.
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--loglevel=error', '--no-update-notifier'],
    { cwd: join(ROOT, 'pkg'), stdio: 'pipe', timeout: 180_000 });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --offline: the package has no dependencies, so the local tarball is all npm needs.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-update-notifier', '--offline', tarball],
    { cwd: project, stdio: 'pipe', timeout: 180_000 });
  const require = createRequire(join(project, 'index.js'));
  return {
    project,
    tarball,
    require,
    resolve: (spec) => require.resolve(spec),
    bin: join(project, 'node_modules', '.bin', 'workflow-telemetry'),
  };
}
