// The customer and the agent, each in their own browser context: the customer hands off from
// the widget; an agent (added with `baton agent add`) signs in to /agent, reads the summary and
// transcript and replies; the reply appears live in the customer's open conversation, and with
// the panel closed the launcher shows an unread badge; the customer answers, the agent solves,
// the customer rates 5 with a comment, and the console's ticket view and `baton ticket show`
// hold all of it; the answer is stored as a `survey_answered` event too, and the satisfaction
// report counts it once. Then the customer reopens in one click. axe-core finds nothing in the
// new widget states.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addAgent, scenario, showTicket, startsWith } from './harness.mjs';
import { DIALOG, expectNoAxeViolations, openPanel } from './widget-kit.mjs';

const EMAIL = 'sam@nimbus.example';
const PASSWORD = 'a long and secret passphrase';

/** The stored `survey_answered` events (read with the sqlite3 shell). */
async function surveyEvents(server) {
  const { stdout } = await promisify(execFile)('sqlite3', ['-json', join(server.dataDir, 'baton.sqlite3'),
    "SELECT rating, solved, reference FROM events WHERE kind = 'survey_answered' ORDER BY id"]);
  return stdout.trim() ? JSON.parse(stdout) : [];
}

/** The launcher inside the widget's shadow root. */
function launcher(page) {
  return page.locator('baton-widget .l');
}

scenario('a reply reaches the customer live, the badge counts it, the customer rates and reopens', async ({ server, page, browser }) => {
  await addAgent(server, EMAIL, 'Sam', PASSWORD);
  const site = await (await fetch(`${server.url}/api/v1/site?locale=en`)).json();

  // The customer hands off from the widget.
  await page.goto(`${server.url}/`);
  let panel = await openPanel(page);
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByLabel('Your name').fill('Ada Lovelace');
  await panel.getByLabel('Email').fill('ada@example.com');
  await panel.getByLabel('How can we help?').fill('My hub blinks red after the update.');
  const closed = panel.locator('[data-testid="support-closed"]');
  if (site.support && !site.support.open) {
    assert.match(await closed.innerText(), /^We're closed now; we'll reply (from .+|as soon as we're back)\.$/);
  } else {
    assert.equal(await closed.count(), 0, 'no closed notice while support is open');
  }
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/handoffs');
  await panel.getByRole('button', { name: 'Send' }).click();
  const { reference } = await (await answered).json();
  await panel.getByText('Your reference is').waitFor();
  await panel.getByRole('button', { name: 'Your conversation' }).click();
  await panel.getByRole('heading', { name: startsWith('Your conversation') }).waitFor();
  const messages = panel.locator('[data-testid="messages"] li');
  await messages.first().waitFor();
  await panel.locator('[data-testid="conversation-status"][data-status="open"]').waitFor();
  await expectNoAxeViolations(page, 'the live conversation');

  // The agent, in another browser context, signs in and opens the ticket.
  const agent = await browser.newPage();
  agent.setDefaultTimeout(15_000);
  await agent.goto(`${server.url}/agent/login`);
  await agent.getByLabel('Email').fill(EMAIL);
  await agent.getByLabel('Password').fill(PASSWORD);
  await agent.getByRole('button', { name: 'Sign in' }).click();
  await agent.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  await agent.locator(`tr[data-reference="${reference}"] a.ticket-link`).click();
  await agent.getByRole('heading', { level: 1, name: new RegExp(`Ticket ${reference}`) }).waitFor();
  assert.match(await agent.locator('#summary').innerText(), /\S/, 'the summary is shown');
  assert.match(await agent.locator('#conversation-list').innerText(), /My hub blinks red after the update\./);
  await agent.locator('ol.timeline').waitFor();

  // The reply appears in the customer's open conversation without a reload.
  await page.evaluate(() => { window.sameDocument = true; });
  await agent.getByLabel('Reply to the customer').fill('Please hold the reset button for 10 seconds.');
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.getByRole('status').getByText(/^Reply (sent|stored)/).waitFor();
  await panel.getByText('Please hold the reset button for 10 seconds.').waitFor();
  assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
  assert.equal(await launcher(page).getAttribute('data-unread'), null, 'a reply on screen is read');

  // With the panel closed, the next reply shows as a badge on the launcher.
  await panel.getByRole('button', { name: 'Close support' }).click();
  await panel.waitFor({ state: 'hidden' });
  await agent.getByLabel('Reply to the customer').fill('Did the light turn green?');
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.getByRole('status').getByText(/^Reply (sent|stored)/).waitFor();
  await page.locator('baton-widget .l[data-unread="1"]').waitFor();
  assert.equal(await launcher(page).getAttribute('aria-label'), 'Open support, 1 unread reply');
  await expectNoAxeViolations(page, 'the launcher with an unread badge');

  // Opening the conversation clears it; the customer answers.
  await launcher(page).click();
  panel = page.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  await panel.getByText('Did the light turn green?').waitFor();
  await page.locator('baton-widget .l:not([data-unread])').waitFor();
  assert.equal(await launcher(page).getAttribute('aria-label'), 'Open support');
  await panel.getByLabel('Add a message').fill('Yes, it is green now. Thank you!');
  await panel.getByRole('button', { name: 'Send' }).click();
  await panel.getByText('Yes, it is green now. Thank you!').waitFor();
  await agent.reload();
  await agent.locator('#conversation-list').getByText('Yes, it is green now. Thank you!').waitFor();

  // The agent solves; the widget asks "Was your issue resolved?".
  await agent.getByRole('button', { name: 'Solve' }).click();
  await agent.getByRole('status').getByText('Status changed.').waitFor();
  const form = panel.locator('[data-testid="satisfaction"]');
  await form.waitFor();
  await panel.locator('[data-testid="conversation-status"][data-status="solved"]').waitFor();
  await expectNoAxeViolations(page, 'the satisfaction question');
  const question = form.getByRole('group', { name: 'Was your issue resolved?' });
  await question.getByRole('radio', { name: 'Yes' }).check();
  await form.getByRole('group', { name: /How would you rate our help/ }).getByRole('radio', { name: '5 – Great' }).check();
  await form.getByLabel(/Anything else to tell us/).fill('Quick and kind <b>help</b>.');
  const rated = page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/conversations/${reference}/satisfaction`);
  await form.getByRole('button', { name: 'Send answer' }).click();
  assert.equal((await rated).status(), 201);
  await panel.locator('[data-testid="conversation-news"]').getByText('Thanks for your answer!').waitFor();
  await form.waitFor({ state: 'detached' });
  await expectNoAxeViolations(page, 'after the satisfaction answer');

  // The console's ticket view holds everything: both replies, the answer, the rating.
  await agent.reload();
  const conversation = agent.locator('#conversation-list');
  const text = await conversation.innerText();
  for (const part of ['My hub blinks red after the update.', 'Please hold the reset button for 10 seconds.',
    'Did the light turn green?', 'Yes, it is green now. Thank you!', 'Resolved', '5 / 5', 'Quick and kind <b>help</b>.']) {
    assert.ok(text.includes(part), `the ticket view shows ${part}: ${text}`);
  }
  assert.equal(await conversation.locator('b').count(), 0, 'the comment is text');
  assert.match(await agent.locator('ul.changes').innerText(), /The customer said the issue was resolved/);

  // The answer left the widget as an insights event (with its next batch); the satisfaction
  // report counts it once, from the ticket.
  let surveys = [];
  for (let tries = 0; surveys.length === 0; tries += 1) {
    assert.ok(tries < 150, 'the survey_answered event never arrived');
    await new Promise((resolve) => setTimeout(resolve, 200));
    surveys = await surveyEvents(server);
  }
  assert.deepEqual(surveys, [{ rating: 5, solved: 1, reference }]);
  const report = await agent.context().request.get(`${server.url}/agent/reports/satisfaction?format=json`);
  assert.equal(report.status(), 200);
  const { overall, by_agent: byAgent, comments } = await report.json();
  assert.deepEqual([overall.answers, overall.satisfied], [1, 1]);
  assert.deepEqual(byAgent.map((c) => [c.key, c.answers]), [['(unassigned)', 1]]);
  assert.deepEqual(comments.map((c) => [c.about, c.rating, c.comment]), [[reference, 5, 'Quick and kind <b>help</b>.']]);

  // Reopen is one click; the console sees the ticket open again.
  await panel.getByRole('button', { name: 'Reopen conversation' }).click();
  await panel.locator('[data-testid="conversation-status"][data-status="open"]').waitFor();
  await panel.locator('[data-testid="conversation-news"]').getByText(/open again/).waitFor();
  await expectNoAxeViolations(page, 'the reopened conversation');
  await agent.reload();
  assert.equal(await agent.locator('h1 .badge').innerText(), 'open');
  assert.match(await agent.locator('ul.changes').innerText(), /The customer set the status to open/);
  await agent.close();

  // `baton ticket show` holds it too.
  const ticket = await showTicket(server, reference);
  assert.equal(ticket.status, 'open');
  assert.deepEqual(ticket.messages.map((m) => [m.author, m.body]), [
    ['agent', 'Please hold the reset button for 10 seconds.'],
    ['agent', 'Did the light turn green?'],
    ['customer', 'Yes, it is green now. Thank you!'],
  ]);
  assert.deepEqual(ticket.satisfaction.map((a) => [a.resolved, a.rating, a.comment]), [
    [true, 5, 'Quick and kind <b>help</b>.'],
  ]);
});
