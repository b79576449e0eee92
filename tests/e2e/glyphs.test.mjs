// Every character the viewer draws that is not ASCII (status icons, arrows,
// marks) is in a plain text font the build machines have (DejaVu Sans, as
// Debian installs it with Chromium), so none renders as an empty box where
// no emoji font is installed (the ⏱ mark did).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const WWW = resolve(import.meta.dirname, '..', '..', 'www');

test('every non-ASCII character of the viewer is in DejaVu Sans', () => {
  const files = ['index.html', 'style.css', ...readdirSync(join(WWW, 'js')).map((f) => join('js', f))];
  const chars = new Set();
  for (const f of files) {
    for (const line of readFileSync(join(WWW, f), 'utf8').split('\n')) {
      // What is drawn: not comments.
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue;
      for (const ch of line) if (ch.codePointAt(0) > 0x7f) chars.add(ch);
    }
  }
  assert.ok(chars.size > 10, `${chars.size} characters`);
  const missing = [...chars].filter((ch) => {
    const hex = ch.codePointAt(0).toString(16);
    const r = spawnSync('fc-list', [`DejaVu Sans:charset=${hex}`, 'family'], { encoding: 'utf8' });
    return r.stdout.trim() === '';
  });
  assert.deepEqual(missing.map((ch) => `${ch} U+${ch.codePointAt(0).toString(16).toUpperCase()}`), []);
});
