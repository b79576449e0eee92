// The viewer on a phone (390x844) and a laptop (1024x768), each failing
// sample: nothing wider than the screen, and without scrolling, the "why it
// failed" banner and the selected failed step's timeline row on screen (not
// clipped by the timeline's own scrolling).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openBrowser, newPage, SCREENSHOTS } from './browser.mjs';

let ctx;
before(async () => { ctx = await openBrowser(); });
after(async () => { await ctx?.close(); });

for (const [width, height] of [[390, 844], [1024, 768]]) {
  test(`at ${width}x${height}: no sideways scroll; the banner and the selected failed step on screen`, async () => {
    const { page, problems } = await newPage(ctx);
    await page.setViewportSize({ width, height });
    for (const sample of ['swamp-deploy', 'orchestrator-build']) {
      await page.goto(`${ctx.base}/?src=samples/${sample}.ndjson`);
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 20000 });
      const m = await page.evaluate(() => {
        const inside = (r, box) => r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left && r.right <= box.right + 1;
        const screen = { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
        const row = document.querySelector('.tl-row.selected');
        const scroller = row?.closest('.tl-scroll') ?? document.querySelector('#timeline');
        const rowRect = row?.getBoundingClientRect();
        const label = row?.querySelector('.name')?.getBoundingClientRect();
        return {
          wide: document.documentElement.scrollWidth - innerWidth,
          selected: row?.dataset.key,
          rowOnScreen: Boolean(rowRect) && rowRect.top >= 0 && rowRect.bottom <= innerHeight,
          rowInTimeline: Boolean(rowRect) && rowRect.top >= scroller.getBoundingClientRect().top && rowRect.bottom <= scroller.getBoundingClientRect().bottom,
          labelOnScreen: Boolean(label) && inside(label, screen),
          banner: (() => { const b = document.querySelector('.why')?.getBoundingClientRect(); return Boolean(b) && b.top >= 0 && b.top < innerHeight; })(),
        };
      });
      assert.equal(m.wide, 0, `${sample}: page wider than the screen by ${m.wide} px`);
      assert.ok(m.selected, sample);
      assert.ok(m.rowOnScreen && m.rowInTimeline && m.labelOnScreen, `${sample}: selected row ${m.selected} ${JSON.stringify(m)}`);
      assert.ok(m.banner, `${sample}: banner on screen`);
      await page.screenshot({ path: join(SCREENSHOTS, `viewer-${sample}-${width}x${height}.png`) });
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
}
