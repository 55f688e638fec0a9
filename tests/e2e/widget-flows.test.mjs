// Guided flows in the widget: found by search, walked to `resolved` (the micro-survey is stored)
// and to `handoff` (the ticket carries the path and the answers), by keyboard only, and with no
// axe-core violation on a step.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { scenario, showTicket } from './harness.mjs';
import { DIALOG, expectNoAxeViolations, focused, openPanel, search } from './widget-kit.mjs';

const FLOW = "Guided fix: Can't sign in to your Nimbus account";

/** `baton flow surveys` against the server's database. */
async function surveys(server) {
  const { stdout } = await promisify(execFile)(
    process.env.BATON_BIN,
    ['flow', 'surveys', '--data-dir', server.dataDir],
  );
  return JSON.parse(stdout);
}

/** The focused element's tag inside the shadow root. */
function focusedTag(page) {
  return page.evaluate(() => document.querySelector('baton-widget').shadowRoot.activeElement?.tagName);
}

async function openFlowFromSearch(page) {
  await page.goto(`${page.serverUrl}/`);
  const panel = await openPanel(page);
  const results = await search(page, panel, 'sign in');
  assert.equal(results.flows[0].id, 'login-password');
  await panel.getByRole('button', { name: FLOW }).click();
  await panel.getByRole('heading', { level: 2, name: "Can't sign in to your Nimbus account" }).waitFor();
  return panel;
}

scenario('a flow found by search ends resolved and its survey is stored', async ({ server, page }) => {
  page.serverUrl = server.url;
  const panel = await openFlowFromSearch(page);
  await panel.getByRole('heading', { level: 3, name: /^Step 1 of up to \d+$/ }).waitFor();
  await expectNoAxeViolations(page, 'flow question');

  await panel.getByRole('button', { name: 'It says my password is wrong' }).click();
  await panel.getByRole('heading', { level: 3, name: /^Step 2 of up to/ }).waitFor();
  // Back undoes the answer; the first question shows again.
  await panel.getByRole('button', { name: 'Back', exact: true }).click();
  await panel.getByRole('button', { name: 'It says my password is wrong' }).click();
  await panel.getByRole('button', { name: 'Continue' }).click();
  await panel.getByRole('button', { name: 'Yes', exact: true }).click();

  await panel.getByText('Did this solve your problem?').waitFor();
  await expectNoAxeViolations(page, 'flow survey');
  await panel.getByRole('group', { name: 'Did this solve your problem?' }).getByRole('button', { name: 'Yes' }).click();
  await panel.getByLabel('4 of 5').check();
  await panel.getByLabel('Anything to add? (optional)').fill('Caps Lock, of course.');
  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/surveys');
  await panel.getByRole('button', { name: 'Send feedback' }).click();
  assert.equal((await posted).status(), 201);
  await panel.getByText('Thanks! Your feedback helps us improve this guide.').waitFor();

  const [stored] = await surveys(server);
  assert.equal(stored.flow_id, 'login-password');
  assert.equal(stored.outcome, 'signed-in');
  assert.equal(stored.solved, true);
  assert.equal(stored.rating, 4);
  assert.equal(stored.comment, 'Caps Lock, of course.');
  assert.ok(stored.path_json.includes('"caps-check"'), stored.path_json);
});

scenario('a flow that ends in a handoff prefills the form and the ticket carries the path', async ({ server, page }) => {
  page.serverUrl = server.url;
  const panel = await openFlowFromSearch(page);
  await panel.getByRole('button', { name: 'I forgot my password' }).click();
  await panel.getByRole('button', { name: 'Continue' }).click();
  await panel.getByRole('button', { name: 'No', exact: true }).click();
  await panel.getByRole('button', { name: "No, I can't use that address any more" }).click();
  const input = panel.getByRole('textbox', { name: /Which email address/ });
  await input.fill('not an email');
  await panel.getByRole('button', { name: 'Continue' }).click();
  await panel.getByText('Please enter a valid email address').waitFor();
  await expectNoAxeViolations(page, 'flow input with an error');
  await input.fill('old@example.com');
  await panel.getByRole('button', { name: 'Continue' }).click();

  const message = panel.getByLabel('How can we help?');
  await message.waitFor();
  assert.ok((await message.inputValue()).includes('(old@example.com)'), await message.inputValue());
  await panel.getByLabel('Your name').fill('Ada Lovelace');
  await panel.getByLabel('Email').fill('ada@example.com');
  await panel.getByRole('button', { name: 'Send' }).click();
  await panel.getByText('Your reference is').waitFor();
  const reference = (await panel.locator('[data-testid="reference"]').textContent()).trim();

  const ticket = await showTicket(server, reference);
  const outcome = ticket.transcript.events.find((e) => e.type === 'flow_outcome');
  assert.equal(outcome.flow_id, 'login-password');
  assert.equal(outcome.outcome, 'handoff');
  assert.equal(outcome.detail, 'priority high, team accounts');
  assert.deepEqual(outcome.path.map((a) => a.node_id), ['problem', 'reset-link', 'reset-check', 'email-access', 'account-email']);
  assert.ok(ticket.summary.includes('old@example.com'), ticket.summary);
  assert.ok(ticket.summary.includes('I forgot my password'), ticket.summary);
});

scenario('a flow can be walked with the keyboard only, focus on each new step', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  await page.evaluate(() => window.Baton.startFlow('login-password'));
  const panel = page.getByRole('dialog', DIALOG);
  await panel.getByRole('heading', { level: 3, name: /^Step 1 of up to \d+$/ }).waitFor();
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.tagName === 'H3');

  // Tab to the second choice and take it.
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'I forgot my password');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'It says my password is wrong');
  await page.keyboard.press('Enter');
  await panel.getByRole('heading', { level: 3, name: /^Step 2 of up to/ }).waitFor();
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.textContent.startsWith('Step 2'));
  assert.equal(await focusedTag(page), 'H3');
  // The live region says where the customer is.
  const said = await panel.locator('[role="status"][aria-live="polite"]').first().textContent();
  assert.match(said, /^Step 2 of up to/);

  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Continue');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.textContent.startsWith('Step 3'));
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Yes');
  await page.keyboard.press('Enter');
  await panel.getByText('Did this solve your problem?').waitFor();
  assert.equal(await focusedTag(page), 'H3');
});
