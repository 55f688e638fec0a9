// Verified identity in the widget, on a site that requires it (`[identity] required = true`):
// without an identity the panel asks the customer to sign in instead of showing the handoff
// form; with `Baton.identify({ id, hash, … })` (the hash computed as a site's server would) the
// customer hands off twice, and the second conversation lists the first one to open. In a fresh
// browser with nothing stored, the same verified identity finds the newest conversation under
// the search and, in it, the earlier one.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenario, startsWith } from './harness.mjs';
import { expectNoAxeViolations, gotoFixture, hostPage, openPanel } from './widget-kit.mjs';

const SECRET = 'e2e-identity-secret';
// `baton serve` (started by the harness) inherits this process's environment.
process.env.BATON_E2E_IDENTITY_SECRET = SECRET;

/** kb-content with `[identity] required = true`, in a temporary folder. */
function requiredIdentityContent() {
  const dir = join(mkdtempSync(join(tmpdir(), 'baton-e2e-kb-')), 'kb');
  cpSync(process.env.BATON_CONTENT_DIR, dir, { recursive: true });
  const site = join(dir, 'site.toml');
  writeFileSync(site, `${readFileSync(site, 'utf8')}
[identity]
secret_env = "BATON_E2E_IDENTITY_SECRET"
required = true
`);
  return dir;
}

/** Sends the handoff form and answers the reference. */
async function handOff(page, panel, message) {
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByLabel('How can we help?').fill(message);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/handoffs');
  await panel.getByRole('button', { name: 'Send' }).click();
  const response = await answered;
  assert.equal(response.status(), 201, await response.text());
  return (await response.json()).reference;
}

scenario('a site that requires verification asks to sign in; a verified customer sees earlier conversations', async ({ server, page, browser }) => {
  await gotoFixture(page, server, '/account', hostPage());
  const panel = await openPanel(page);
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.locator('[data-testid="sign-in-first"]').getByText('Please sign in to your account on this site to contact support.').waitFor();
  assert.equal(await panel.getByLabel('How can we help?').count(), 0, 'no form the server would refuse');
  await expectNoAxeViolations(page, 'the sign-in request');

  // The host page's server signed the customer's id.
  const id = 'cust-7';
  const hash = createHmac('sha256', SECRET).update(id).digest('hex');
  await panel.getByRole('button', { name: 'Back to help articles' }).click();
  await page.evaluate((identity) => window.Baton.identify(identity), { id, hash, name: 'Ada Lovelace', email: 'ada@example.com' });
  const first = await handOff(page, panel, 'My hub blinks red.');
  await panel.getByRole('button', { name: 'Back to help articles' }).click();
  const second = await handOff(page, panel, 'And the camera is offline.');
  assert.notEqual(first, second);

  // The second conversation lists the first; opening it shows that one.
  await panel.getByRole('button', { name: 'Your conversation' }).click();
  await panel.getByRole('heading', { name: startsWith(`Your conversation ${second}`) }).waitFor();
  const earlier = panel.getByRole('region', { name: 'Your earlier conversations' });
  await earlier.getByRole('button', { name: first }).click();
  await panel.getByRole('heading', { name: startsWith(`Your conversation ${first}`) }).waitFor();
  await panel.locator('[data-testid="messages"]').getByText('My hub blinks red.').waitFor();
  await panel.getByRole('region', { name: 'Your earlier conversations' }).getByRole('button', { name: second }).waitFor();
  await expectNoAxeViolations(page, 'a verified customer\'s conversation with earlier ones');

  // Another browser: no conversation stored, no entry until the verified identity is given.
  const fresh = await browser.newPage();
  await gotoFixture(fresh, server, '/account', hostPage());
  const freshPanel = await openPanel(fresh);
  await freshPanel.getByRole('searchbox').waitFor();
  assert.equal(await freshPanel.locator('[data-testid="open-conversation"]').count(), 0);
  await fresh.evaluate((identity) => window.Baton.identify(identity), { id, hash, name: 'Ada Lovelace', email: 'ada@example.com' });
  await freshPanel.getByRole('button', { name: `Your conversation ${second}` }).click();
  await freshPanel.getByRole('heading', { name: startsWith(`Your conversation ${second}`) }).waitFor();
  await freshPanel.locator('[data-testid="messages"]').getByText('And the camera is offline.').waitFor();
  await freshPanel.getByRole('region', { name: 'Your earlier conversations' }).getByRole('button', { name: first }).click();
  await freshPanel.locator('[data-testid="messages"]').getByText('My hub blinks red.').waitFor();
  await expectNoAxeViolations(fresh, 'a verified customer\'s conversations in a fresh browser');
  await fresh.close();
}, { contentDir: requiredIdentityContent() });
