// What site owners and editors put in the widget: announcement banners from site.toml and the
// editor preview of a draft article. Served from the small knowledge base in fixtures/kb/.

import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenario, createAdminToken } from './harness.mjs';
import { expectNoAxeViolations, openPanel } from './widget-kit.mjs';

const kb = { contentDir: join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kb') };

scenario('active announcements show as banners, and a dismissed one stays dismissed', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  const panel = await openPanel(page);
  const critical = panel.getByRole('alert').filter({ hasText: 'The Nimbus Home app is down' });
  const info = panel.getByRole('status').filter({ hasText: 'Hub firmware 4.2 is rolling out' });
  await critical.waitFor();
  await info.waitFor();
  await expectNoAxeViolations(page, 'announcements');

  await info.getByRole('button', { name: 'Dismiss announcement' }).click();
  await info.waitFor({ state: 'detached' });
  // Remembered per site in localStorage: a new visit (the session forgotten) keeps it hidden.
  assert.equal(await page.evaluate(() => localStorage.getItem('baton:demo:dismissed')), 'new-hub-firmware');
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  const again = await openPanel(page);
  await again.getByRole('alert').filter({ hasText: 'The Nimbus Home app is down' }).waitFor();
  assert.equal(await again.getByText('Hub firmware 4.2 is rolling out').count(), 0);
}, kb);

scenario('an editor previews a draft from a #baton-preview link with an admin token', async ({ server, page }) => {
  const token = await createAdminToken(server);
  // Customers cannot open the draft.
  const refused = await page.request.get(`${server.url}/api/v1/articles/hub-firmware-4-2`);
  assert.equal(refused.status(), 404);

  await page.goto(`${server.url}/?x=1#baton-preview=hub-firmware-4-2&token=${encodeURIComponent(token)}`);
  const panel = page.getByRole('dialog', { name: 'Nimbus Support' });
  await panel.getByRole('heading', { name: "What's new in hub firmware 4.2" }).waitFor();
  await panel.getByText('Preview', { exact: true }).waitFor();
  // The fragment left the address bar; the token is in sessionStorage only.
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(new URL(page.url()).search, '?x=1');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('baton:demo:preview-token')), token);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).some((k) => localStorage.getItem(k).includes('baton_admin'))), false);
  await expectNoAxeViolations(page, 'preview');

  // The same from the JS API.
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${server.url}/`);
  await page.evaluate((t) => window.Baton.preview('hub-firmware-4-2', t), token);
  await panel.getByRole('heading', { name: "What's new in hub firmware 4.2" }).waitFor();
}, kb);

scenario('a preview link with a wrong token says so clearly', async ({ server, page, allowConsoleError }) => {
  // Chromium logs the refused request (401); the widget's message is what is checked.
  allowConsoleError(/401/);
  await page.goto(`${server.url}/#baton-preview=hub-firmware-4-2&token=not-a-token`);
  const panel = page.getByRole('dialog', { name: 'Nimbus Support' });
  await panel.getByRole('alert').filter({ hasText: 'This preview link was refused' }).waitFor();
  assert.equal(await panel.getByText("What's new in hub firmware 4.2").count(), 0);
}, kb);
