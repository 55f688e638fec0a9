// The agent console in a real browser: a handoff is made through the API, an agent added with
// `baton agent add --password-stdin` signs in, sees the ticket in the inbox (and a new one
// arrive without a reload), opens it by keyboard, reads the summary first and the timeline,
// replies by keyboard only, adds a note, solves, and signs out; axe-core finds no violation on
// the sign-in page, the inbox or the ticket view.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { addAgent, scenario } from './harness.mjs';

const axeSource = createRequire(import.meta.url)('axe-core').source;

const EMAIL = 'anna@nimbus.example';
const PASSWORD = 'a long and secret passphrase';

/** A handoff through the public API, with a transcript the timeline shows. */
async function handoff(server, message, query) {
  const response = await fetch(`${server.url}/api/v1/handoffs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({
      site: 'demo',
      name: 'Ada <b>Lovelace</b>',
      email: 'ada@example.com',
      message,
      urgency: 'high',
      context: { plan: 'Nimbus Plus' },
      identity: { id: 'cust-42', email: 'ada@example.com' },
      transcript: {
        version: 2,
        locale: 'en',
        events: [
          { type: 'page_view', at_ms: Date.now() - 60_000, url: '/devices/hub' },
          {
            type: 'search', at_ms: Date.now() - 50_000, query, result_count: 1,
            top_results: [{ slug: 'change-wifi-network-or-use-ethernet', title: 'Change Wi-Fi network or use Ethernet' }],
            clicked: ['change-wifi-network-or-use-ethernet'],
          },
          { type: 'article_opened', at_ms: Date.now() - 40_000, slug: 'change-wifi-network-or-use-ethernet', title: 'Change Wi-Fi network or use Ethernet' },
          { type: 'vote', at_ms: Date.now() - 30_000, slug: 'change-wifi-network-or-use-ethernet', helpful: false },
        ],
      },
    }),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()).reference;
}

/** Runs axe-core (WCAG 2.0–2.2 A and AA) on the whole page. */
async function expectNoAxeViolations(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe violations on ${state}`);
}

scenario('an agent signs in, reads the summary and timeline, replies by keyboard, notes and solves', async ({ server, page, allowConsoleError }) => {
  // The wrong password below is answered 401 on purpose; Chromium logs that.
  allowConsoleError(/status of 401 \(Unauthorized\).*\/agent\/login/);
  const first = await handoff(server, 'My hub keeps dropping off Wi-Fi', 'hub wifi drops');
  await addAgent(server, EMAIL, 'Anna', PASSWORD);

  // Not signed in: the console sends the agent to the sign-in page.
  await page.goto(`${server.url}/agent`);
  assert.match(page.url(), /\/agent\/login\?next=\/agent$/);
  await page.getByRole('heading', { level: 1, name: 'Sign in to the Baton console' }).waitFor();
  await expectNoAxeViolations(page, 'the sign-in page');

  await page.getByLabel('Password').fill('wrong password!');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Wrong email or password.').waitFor();

  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  const row = page.locator(`tr[data-reference="${first}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /1 unread/);
  assert.match(await row.innerText(), /Ada <b>Lovelace<\/b>/, 'the name is text');
  await expectNoAxeViolations(page, 'the inbox');

  // A new ticket appears without a reload.
  await page.evaluate(() => { window.sameDocument = true; });
  const second = await handoff(server, 'Camera offline since this morning', 'camera offline');
  await page.locator(`tr[data-reference="${second}"]`).waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
  await page.getByRole('status').getByText(/Inbox updated/).waitFor();

  // Keyboard: j selects the first ticket (the soonest reply-by), Enter opens it.
  await page.locator('body').focus();
  await page.keyboard.press('j');
  const focusedReference = await page.evaluate(() => document.activeElement.closest('tr')?.dataset.reference);
  assert.equal(focusedReference, first);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: new RegExp(`Ticket ${first}`) }).waitFor();

  // The summary comes first, then the customer, the timeline and the conversation.
  const sections = await page.locator('main h2').allInnerTexts();
  assert.deepEqual(sections.slice(0, 5), ['What was tried', 'Customer', 'Timeline', 'Conversation', 'Actions']);
  assert.match(await page.locator('#summary').innerText(), /Searched 'hub wifi drops'/);
  const timeline = page.locator('ol.timeline');
  assert.match(await timeline.innerText(), /Searched\s+“?hub wifi drops”?/);
  assert.match(await timeline.innerText(), /Voted not helpful/);
  const article = timeline.getByRole('link', { name: 'Change Wi-Fi network or use Ethernet' }).first();
  assert.equal(await article.getAttribute('href'), '/agent/articles/en/change-wifi-network-or-use-ethernet');
  await page.getByText('Not verified').waitFor();
  await expectNoAxeViolations(page, 'the ticket view');

  // Reply by keyboard only: r focuses the reply, Ctrl+Enter sends it.
  await page.locator('body').focus();
  await page.keyboard.press('r');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reply');
  await page.keyboard.type('Please move the hub closer to the router and tell us if it helps.');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('status').getByText(/^Reply (sent|stored)/).waitFor();
  const conversation = page.locator('#conversation-list');
  await conversation.getByText('Please move the hub closer to the router').waitFor();
  assert.match(await conversation.innerText(), /Anna \(reply\)/);

  // A note, by keyboard too.
  await page.locator('body').focus();
  await page.keyboard.press('n');
  await page.keyboard.type('Firmware 2.3 drops Wi-Fi on channel 13.');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('status').getByText('Internal note added.').waitFor();
  assert.match(await conversation.innerText(), /Anna \(internal note\)/);

  // s solves.
  await page.locator('body').focus();
  await page.keyboard.press('s');
  await page.getByRole('status').getByText('Status changed.').waitFor();
  assert.equal(await page.locator('h1 .badge').innerText(), 'solved');
  await page.getByRole('button', { name: 'Reopen' }).waitFor();

  // The solved ticket left the open inbox; the other is still there.
  await page.getByRole('link', { name: '← Inbox' }).click();
  await page.locator(`tr[data-reference="${second}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-reference="${first}"]`).count(), 0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await page.goto(`${server.url}/agent`);
  assert.match(page.url(), /\/agent\/login/);
});
