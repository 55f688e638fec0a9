// The walking skeleton: a customer on the host page searches, reads an article, asks for a
// person, gets a reference, and the agent sees everything they did in the stored ticket.

import assert from 'node:assert/strict';
import { scenario, showTicket, startsWith } from './harness.mjs';

const QUERY = 'reset';
/** Crockford-style base32 without 0, 1, I, L, O, U: two groups of four. */
const REFERENCE = /^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/;

scenario('a customer searches, reads an article and hands off with the transcript', async ({ server, page }) => {
  await page.goto(`${server.url}/`);

  await page.getByRole('button', { name: 'Open support' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nimbus Support' });
  await dialog.waitFor({ state: 'visible' });

  // Type like a person, so the widget searches as the customer types.
  const searched = page.waitForResponse((response) => {
    const url = new URL(response.url());
    return url.pathname === '/api/v1/search' && url.searchParams.get('q') === QUERY;
  });
  await dialog.getByRole('searchbox', { name: 'Search help articles' }).pressSequentially(QUERY, { delay: 60 });
  const results = await (await searched).json();
  assert.ok(results.hits.length > 0, `the demo knowledge base has articles about "${QUERY}"`);
  const first = results.hits[0];

  // Results are buttons whose accessible name starts with the article title.
  const opened = page.waitForResponse((response) =>
    new URL(response.url()).pathname === `/api/v1/articles/${encodeURIComponent(first.slug)}`);
  await dialog.getByRole('button', { name: startsWith(first.title) }).first().click();
  assert.equal((await opened).status(), 200);
  const article = dialog.getByRole('article');
  await article.getByRole('heading', { level: 2, name: first.title }).waitFor();

  await dialog.getByRole('button', { name: 'Back to results' }).click();
  await dialog.getByRole('button', { name: startsWith(first.title) }).first().waitFor();

  await dialog.getByRole('button', { name: 'Talk to a person' }).click();
  await dialog.getByLabel('Your name').fill('Ada Lovelace');
  await dialog.getByLabel('Email').fill('ada@example.com');
  await dialog.getByLabel('How can we help?').fill('My hub will not reset; the ring stays amber.');
  await dialog.getByRole('button', { name: 'Send' }).click();

  await dialog.getByText('Your reference is').waitFor();
  const reference = (await dialog.locator('[data-testid="reference"]').textContent()).trim();
  assert.match(reference, REFERENCE);

  const ticket = await showTicket(server, reference);
  assert.equal(ticket.reference, reference);
  assert.equal(ticket.name, 'Ada Lovelace');
  assert.equal(ticket.email, 'ada@example.com');
  const events = ticket.transcript.events;
  assert.ok(events.some((e) => e.type === 'page_view'), `a page_view event in ${JSON.stringify(events)}`);
  assert.ok(
    events.some((e) => e.type === 'search' && e.query === QUERY),
    `a search event for "${QUERY}" in ${JSON.stringify(events)}`,
  );
  assert.ok(
    events.some((e) => e.type === 'article_opened' && e.slug === first.slug),
    `an article_opened event for ${first.slug} in ${JSON.stringify(events)}`,
  );
  assert.ok(ticket.summary.includes(QUERY), `the summary mentions the search: ${ticket.summary}`);
});
