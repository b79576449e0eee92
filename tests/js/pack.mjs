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
  execFileSync('npm', ['pack', '--pack-destination', packDir, '--loglevel=error'], { cwd: join(ROOT, 'pkg'), stdio: 'pipe' });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, stdio: 'pipe' });
  const require = createRequire(join(project, 'index.js'));
  return {
    project,
    tarball,
    require,
    resolve: (spec) => require.resolve(spec),
    bin: join(project, 'node_modules', '.bin', 'workflow-telemetry'),
  };
}
