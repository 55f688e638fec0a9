// Accessibility: axe-core inside the shadow root with zero violations in every state, and the
// whole path walked with the keyboard only.

import assert from 'node:assert/strict';
import { scenario } from './harness.mjs';
import { DIALOG, expectNoAxeViolations, focused, openPanel, search } from './widget-kit.mjs';

scenario('axe finds no WCAG 2.2 AA violation in any state of the widget', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  await expectNoAxeViolations(page, 'closed');

  const panel = await openPanel(page);
  await expectNoAxeViolations(page, 'open');

  const results = await search(page, panel, 'reset');
  await panel.getByRole('button', { name: results.hits[0].title }).first().waitFor();
  await expectNoAxeViolations(page, 'results');

  await panel.getByRole('button', { name: results.hits[0].title }).first().click();
  await panel.getByRole('heading', { level: 2, name: results.hits[0].title }).waitFor();
  await expectNoAxeViolations(page, 'article');

  await panel.getByRole('button', { name: 'Back to results' }).click();
  await panel.getByRole('searchbox').fill('');
  await search(page, panel, 'qqqzzzxxv');
  await panel.getByText('No results for').first().waitFor();
  await expectNoAxeViolations(page, 'no results');

  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByLabel('Your name').waitFor();
  await expectNoAxeViolations(page, 'handoff form');
  await panel.getByRole('button', { name: 'Send' }).click();
  await panel.getByText('Please tell us your name.').waitFor();
  await expectNoAxeViolations(page, 'handoff form with an error');

  await panel.getByLabel('Your name').fill('Ada Lovelace');
  await panel.getByLabel('Email').fill('ada@example.com');
  await panel.getByLabel('How can we help?').fill('My hub blinks red.');
  await panel.getByLabel('How urgent is it?').selectOption({ label: 'Something stopped working' });
  await expectNoAxeViolations(page, 'handoff form with an urgency chosen');
  await panel.getByRole('button', { name: 'Send' }).click();
  await panel.getByText('Your reference is').waitFor();
  await expectNoAxeViolations(page, 'confirmation');
  await panel.getByRole('button', { name: 'Your conversation' }).click();
  await panel.locator('[data-testid="messages"] li').first().waitFor();
  await expectNoAxeViolations(page, 'conversation');
});

scenario('the whole path works with the keyboard only', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  // From the top of the page, Shift+Tab wraps to the last control: the launcher.
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Open support');
  await page.keyboard.press('Enter');
  const panel = page.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.type === 'search');

  // Focus is trapped: Shift+Tab from the first control wraps to the last one. An active
  // announcement of the site (the demo's are dated) puts its dismiss button before the search box.
  const banners = await panel.getByRole('button', { name: 'Dismiss announcement' }).count();
  for (let i = 0; i < banners; i += 1) {
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page), 'Dismiss announcement');
  }
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Close support');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Talk to a person');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Close support');
  for (let i = 0; i <= banners; i += 1) await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.type === 'search');

  const answered = page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === 'reset');
  await page.keyboard.type('reset', { delay: 40 });
  const found = await (await answered).json();
  const first = found.hits[0];
  await panel.getByRole('button', { name: first.title }).first().waitFor();
  // "Guided fix: …" entries come first, then the articles.
  for (let i = 0; i < (found.flows ?? []).length; i += 1) await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.ok((await focused(page)).startsWith(first.title));
  await page.keyboard.press('Enter');
  await panel.getByRole('heading', { level: 2, name: first.title }).waitFor();
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.tagName === 'H2');

  // Back to the results, then to a person, all by keyboard.
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), 'Back to results');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.type === 'search');
  await panel.getByRole('button', { name: 'Talk to a person' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.id === 'baton-name');
  await page.keyboard.type('Ada Lovelace');
  await page.keyboard.press('Tab');
  await page.keyboard.type('ada@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Sent with the keyboard only.');
  await page.keyboard.press('Tab');
  // The demo site lets customers choose how urgent it is; leaving it unchosen is fine.
  assert.equal(await focused(page), 'baton-urgency');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'Send');
  await page.keyboard.press('Enter');
  await panel.getByText('Your reference is').waitFor();
  // The form is gone; focus moves to the confirmation's heading on the next frame.
  await page.waitForFunction(() => document.querySelector('baton-widget').shadowRoot.activeElement?.tagName === 'H2');

  // Escape closes and focus returns to the launcher.
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'Open support');
});
