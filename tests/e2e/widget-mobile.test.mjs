// Phones: a full-screen panel, 16 px inputs (no zoom on focus), and the back gesture closes
// the panel. Also takes the screenshots linked from docs/embedding.md.

import assert from 'node:assert/strict';
import { scenario } from './harness.mjs';
import { openPanel, screenshot, search } from './widget-kit.mjs';

scenario('on a phone the panel is full screen and the back gesture closes it', async ({ server, browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204 }));
  try {
    await page.goto(`${server.url}/`);
    const url = page.url();
    const panel = await openPanel(page);
    const box = await panel.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844]);
    const fontSizes = await page.evaluate(() =>
      [...document.querySelector('baton-widget').shadowRoot.querySelectorAll('input, textarea')].map((el) => getComputedStyle(el).fontSize));
    assert.ok(fontSizes.every((size) => parseFloat(size) >= 16), `inputs are at least 16px: ${fontSizes}`);

    const results = await search(page, panel, 'pair');
    await panel.getByRole('button', { name: results.hits[0].title }).first().waitFor();
    await screenshot(page, 'widget-phone');

    await page.goBack();
    await panel.waitFor({ state: 'hidden' });
    assert.equal(page.url(), url, 'the back gesture closed the panel, not the page');
  } finally {
    await context.close();
  }
});

scenario('screenshot of the open widget on a desktop', async ({ server, page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.url}/`);
  const panel = await openPanel(page);
  const results = await search(page, panel, 'reset');
  await panel.getByRole('button', { name: results.hits[0].title }).first().waitFor();
  await page.mouse.move(0, 0);
  await screenshot(page, 'widget-desktop');
});
