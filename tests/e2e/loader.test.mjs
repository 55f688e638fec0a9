// The loader on a host page: never breaks the page, serves the app lazily, and queues calls
// made before the app has loaded.

import assert from 'node:assert/strict';
import { scenario } from './harness.mjs';

scenario('Baton.open() before the app has loaded opens the panel once it loads', async ({ server, page }) => {
  // Hold the app's JavaScript back until Baton.open() has been called.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/widget\/baton-widget\.[0-9a-f]+\.js$/, async (route) => {
    await held;
    await route.continue();
  });
  const wasm = page.waitForResponse((response) => /\/widget\/baton-widget\.[0-9a-f]+\.wasm$/.test(response.url()));

  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  assert.equal(await page.evaluate(() => typeof window.Baton), 'object');
  assert.equal(await page.evaluate(() => typeof window.Baton.open), 'function');

  await page.evaluate(() => window.Baton.open());
  assert.equal(await page.getByRole('dialog', { name: 'Nimbus Support' }).count(), 0, 'no panel before the app loaded');
  release();

  await page.getByRole('dialog', { name: 'Nimbus Support' }).waitFor({ state: 'visible' });
  const response = await wasm;
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'] ?? '', /^application\/wasm\b/);
});

scenario('the host page loads with the widget and reports no errors', async ({ server, page }) => {
  const loader = page.waitForResponse((response) => new URL(response.url()).pathname === '/widget/loader.js');
  await page.goto(`${server.url}/`);
  assert.equal((await loader).status(), 200);
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  // Wait until the app has been loaded in the background (the loader does so when idle).
  await page.waitForLoadState('networkidle');
  await page.getByRole('button', { name: 'Open support' }).click();
  await page.getByRole('dialog', { name: 'Nimbus Support' }).waitFor({ state: 'visible' });
});
