// After a handoff the customer comes back: the conversation is reachable after a reload (kept
// in localStorage), shows the reference, the promise and the messages, and takes another
// message, which the stored ticket then shows (`baton ticket show`).

import assert from 'node:assert/strict';
import { scenario, showTicket, startsWith } from './harness.mjs';
import { DIALOG, openPanel } from './widget-kit.mjs';

scenario('the customer reloads, opens their conversation and adds a message', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  let panel = await openPanel(page);
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByLabel('Your name').fill('Ada Lovelace');
  await panel.getByLabel('Email').fill('ada@example.com');
  await panel.getByLabel('How can we help?').fill('My hub blinks red after the update.');
  await panel.getByLabel('How urgent is it?').selectOption({ label: 'Something stopped working' });
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/handoffs');
  await panel.getByRole('button', { name: 'Send' }).click();
  const handoff = await (await answered).json();
  assert.equal(handoff.urgency, 'high');
  await panel.getByText('Your reference is').waitFor();
  const reference = (await panel.locator('[data-testid="reference"]').textContent()).trim();
  assert.equal(reference, handoff.reference);
  await panel.getByRole('button', { name: 'Back to help articles' }).click();

  await page.reload();
  panel = page.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  await panel.getByRole('button', { name: `Your conversation ${reference}` }).click();
  await panel.getByRole('heading', { name: startsWith('Your conversation') }).waitFor();
  const messages = panel.locator('[data-testid="messages"] li');
  await messages.first().waitFor();
  assert.equal(await messages.count(), 1);
  assert.match(await messages.first().textContent(), /My hub blinks red after the update\./);
  assert.ok(await panel.locator('[data-testid="reply-by"]').isVisible(), 'the promise is shown');

  const text = 'Still red after unplugging it for a minute. <b>not bold</b>';
  await panel.getByLabel('Add a message').fill(text);
  const posted = page.waitForResponse((r) =>
    r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/v1/conversations/${reference}/messages`);
  await panel.getByRole('button', { name: 'Send' }).click();
  assert.equal((await posted).status(), 201);
  await messages.nth(1).waitFor();
  assert.match(await messages.nth(1).textContent(), /Still red after unplugging it for a minute\. <b>not bold<\/b>/);
  assert.equal(await panel.locator('[data-testid="messages"] b').count(), 0, 'customer text is never markup');
  assert.equal(await panel.getByLabel('Add a message').inputValue(), '');

  const ticket = await showTicket(server, reference);
  assert.equal(ticket.urgency, 'high');
  assert.deepEqual(ticket.messages.map((m) => [m.author, m.body]), [['customer', text]]);
});
