// Insights from the widget, end to end: searches typed in the widget leave the page as event
// batches (the timer's fetch, and sendBeacon as the page goes away), and `baton report
// content-gaps` lists the query that found nothing but not the one whose result was clicked.
// Stored events carry no address; a malformed batch from the page gets a JSON error and the
// widget keeps working; with Global Privacy Control nothing is sent; the flow, survey and
// handoff chunks send their own events.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scenario } from './harness.mjs';
import { gotoFixture, hostPage, openPanel, search } from './widget-kit.mjs';

const run = promisify(execFile);

/** `baton report content-gaps --format json` against the server's database. */
async function contentGaps(server) {
  const { stdout } = await run(
    process.env.BATON_BIN,
    ['report', 'content-gaps', '--format', 'json', '--data-dir', server.dataDir],
  );
  return JSON.parse(stdout);
}

/** Every stored event, every column, as JSON objects (read with the sqlite3 shell). */
async function storedEvents(server) {
  const { stdout } = await run('sqlite3', ['-json', join(server.dataDir, 'baton.sqlite3'), 'SELECT * FROM events ORDER BY id']);
  return stdout.trim() ? JSON.parse(stdout) : [];
}

/** Resolves with the parsed body of the next event batch the page sends that satisfies `test`. */
function nextBatch(page, test) {
  return page.context().waitForEvent('request', {
    predicate: (r) => new URL(r.url()).pathname === '/api/v1/events' && test(JSON.parse(r.postData() ?? '{}')),
    timeout: 30_000,
  }).then((r) => ({ body: JSON.parse(r.postData()), contentType: r.headers()['content-type'] }));
}

const queries = (batch) => batch.events.filter((e) => e.kind === 'search').map((e) => e.query);

scenario('searches with no results in the widget show up in the content-gap report', async ({ server, page }) => {
  await gotoFixture(page, server, '/fixtures/insights', hostPage());
  const panel = await openPanel(page);
  const searchbox = panel.getByRole('searchbox');

  // A query that finds nothing: it settles and leaves with the timer's batch.
  const timed = nextBatch(page, (b) => queries(b).includes('qqqzzzxxv'));
  await search(page, panel, 'qqqzzzxxv');
  const first = await timed;
  assert.match(first.contentType, /^text\/plain/);
  assert.equal(first.body.site, 'demo');
  assert.match(first.body.session, /^[A-Za-z0-9_-]{8,64}$/);
  assert.ok(first.body.events.some((e) => e.kind === 'widget_opened'), JSON.stringify(first.body));
  // Only the settled query counts, not what was typed on the way.
  assert.deepEqual(queries(first.body), ['qqqzzzxxv']);

  // A query with results, whose first result is opened.
  await searchbox.fill('');
  const results = await search(page, panel, 'reset');
  assert.ok(results.hits.length > 0);
  await panel.getByRole('button', { name: results.hits[0].title }).first().click();
  await panel.getByRole('heading', { level: 2, name: results.hits[0].title }).waitFor();

  // Leaving the page with the article open: its time on the article can only leave now, with
  // sendBeacon. Wait until it and the click are stored.
  await page.goto('about:blank');
  let events = [];
  for (let tries = 0; !['article_viewed', 'result_clicked'].every((kind) => events.some((e) => e.kind === kind)); tries += 1) {
    assert.ok(tries < 150, `the last batch never arrived: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    events = await storedEvents(server);
  }
  const gaps = await contentGaps(server);
  const zero = gaps.zero_result.map((q) => q.query);
  assert.ok(zero.includes('qqqzzzxxv'), JSON.stringify(gaps));
  assert.ok(!zero.includes('reset'), JSON.stringify(gaps));
  assert.ok(!gaps.no_click.some((q) => q.query === 'reset'), JSON.stringify(gaps));

  const clicked = events.filter((e) => e.kind === 'result_clicked');
  assert.deepEqual(clicked.map((e) => [e.query, e.position, e.slug]), [['reset', 1, results.hits[0].slug]]);
  const viewed = events.filter((e) => e.kind === 'article_viewed');
  assert.deepEqual(viewed.map((e) => e.slug), [results.hits[0].slug]);
  assert.ok(viewed[0].seconds >= 0);
  assert.ok(events.every((e) => e.session_id === first.body.session));
  assert.deepEqual(events.filter((e) => e.kind === 'search').map((e) => e.query), ['qqqzzzxxv', 'reset']);
  // No column of any event holds the client's address.
  for (const event of events) {
    assert.ok(!Object.values(event).some((v) => String(v).includes('127.0.0.1')), JSON.stringify(event));
  }
});

scenario('a malformed batch from the page gets a JSON error and the widget keeps working', async ({ server, page, allowConsoleError }) => {
  allowConsoleError(/status of 400/);
  await gotoFixture(page, server, '/fixtures/insights-malformed', hostPage());
  const panel = await openPanel(page);
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/v1/events', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ site: 'demo', session: 'page-made-1234', events: [{ kind: 'teleported', at: Date.now() }] }),
    });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.code, 'invalid_event');
  assert.match(answer.body.error.message, /events\[0\]\.kind/);

  const results = await search(page, panel, 'reset');
  assert.ok(results.hits.length > 0);
  await panel.getByRole('button', { name: results.hits[0].title }).first().waitFor();
  assert.deepEqual((await storedEvents(server)).filter((e) => e.session_id === 'page-made-1234'), []);
});

scenario('with Global Privacy Control the widget sends no events', async ({ server, page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
  });
  let sent = 0;
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/events') sent += 1; });
  await gotoFixture(page, server, '/fixtures/insights-gpc', hostPage());
  const panel = await openPanel(page);
  await search(page, panel, 'qqqzzzxxv');
  // The page going away is when the last batch would leave.
  const left = page.waitForEvent('framenavigated');
  await page.goto(`${server.url}/healthz`);
  await left;
  assert.equal(sent, 0);
  assert.deepEqual(await storedEvents(server), []);
});

scenario('guided flows, the survey and the handoff form send their events from their chunks', async ({ server, page }) => {
  await gotoFixture(page, server, '/fixtures/insights-flow', hostPage());
  const panel = await openPanel(page);
  const flow = "Guided fix: Can't sign in to your Nimbus account";

  // A flow walked to `resolved`, and its survey.
  await search(page, panel, 'sign in');
  await panel.getByRole('button', { name: flow }).click();
  await panel.getByRole('button', { name: 'It says my password is wrong' }).click();
  await panel.getByRole('button', { name: 'Continue' }).click();
  await panel.getByRole('button', { name: 'Yes', exact: true }).click();
  await panel.getByRole('group', { name: 'Did this solve your problem?' }).getByRole('button', { name: 'Yes' }).click();
  await panel.getByLabel('4 of 5').check();
  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/surveys');
  await panel.getByRole('button', { name: 'Send feedback' }).click();
  assert.equal((await posted).status(), 201);

  // The same flow again, left for the handoff form at its first step; the form left unsent.
  await panel.getByRole('button', { name: 'Back to help articles' }).click();
  await panel.getByRole('button', { name: flow }).click();
  await panel.getByRole('heading', { level: 3, name: /^Step 1 of up to \d+$/ }).waitFor();
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByRole('button', { name: 'Back to help articles' }).click();
  await panel.getByRole('searchbox').waitFor();
  await page.goto('about:blank');

  let events = [];
  for (let tries = 0; !events.some((e) => e.kind === 'handoff_abandoned'); tries += 1) {
    assert.ok(tries < 150, `the last batch never arrived: ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    events = await storedEvents(server);
  }
  const kinds = events.map((e) => e.kind);
  const flowEvents = events.filter((e) => e.flow_id !== null);
  assert.ok(flowEvents.every((e) => e.flow_id === 'login-password'), JSON.stringify(flowEvents));
  assert.equal(kinds.filter((k) => k === 'flow_started').length, 2, kinds.join());
  assert.ok(kinds.filter((k) => k === 'flow_step').length >= 3, kinds.join());
  assert.deepEqual(events.filter((e) => e.kind === 'flow_outcome').map((e) => e.outcome), ['resolved']);
  const [survey] = events.filter((e) => e.kind === 'survey_answered');
  assert.equal(survey.rating, 4);
  assert.equal(survey.solved, 1);
  const [left] = events.filter((e) => e.kind === 'flow_abandoned');
  const firstStep = events.find((e) => e.kind === 'flow_step').step;
  assert.equal(left.step, firstStep);
  assert.deepEqual(kinds.filter((k) => k.startsWith('handoff_')), ['handoff_started', 'handoff_abandoned']);
});
