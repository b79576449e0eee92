// A one-package npm registry on loopback: the packument and the tarball of
// the packed package, so that Deno can install `npm:workflow-telemetry` the
// way its users do (into Deno's global cache, no node_modules, no
// package.json) without the network.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Serves `tarball` as the only version of the package `manifest` names. */
export async function startRegistry(tarball, manifest) {
  const bytes = readFileSync(tarball);
  const file = `${manifest.name}-${manifest.version}.tgz`;
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === `/${manifest.name}`) {
      const version = {
        ...manifest,
        dist: {
          tarball: `${base}/${manifest.name}/-/${file}`,
          shasum: createHash('sha1').update(bytes).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
        },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: manifest.name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: version } }));
    } else if (req.url === `/${manifest.name}/-/${file}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      res.end(bytes);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}
