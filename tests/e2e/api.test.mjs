// The API as the widget sees it: from the page's own origin, errors are JSON.

import assert from 'node:assert/strict';
import { scenario } from './harness.mjs';

scenario('an empty search answers 400 with a JSON error body', async ({ server, page, allowConsoleError }) => {
  allowConsoleError(/status of 400/);
  await page.goto(`${server.url}/`);
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/v1/search?q=');
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.json(),
    };
  });
  assert.equal(answer.status, 400);
  assert.match(answer.contentType ?? '', /^application\/json\b/);
  assert.equal(typeof answer.body.error?.code, 'string');
  assert.equal(typeof answer.body.error?.message, 'string');
});
