// Helpers shared by the widget's end-to-end tests (widget-*.test.mjs): fixture pages served on
// the Baton origin through page.route, the shadow root's focused element, axe-core inside the
// shadow root, and screenshots for docs/embedding.md.

import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const axeSource = createRequire(import.meta.url)('axe-core').source;

export const DIALOG = { name: 'Nimbus Support' };

/** Serves `html` (with `headers`) at `server.url + path` for this page only, then opens it. */
export async function gotoFixture(page, server, path, html, headers = {}) {
  await page.route(`${server.url}${path}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers, body: html }));
  await page.goto(`${server.url}${path}`);
}

/** A fixture file of tests/e2e/fixtures/. */
export function fixture(name) {
  return readFile(join(here, 'fixtures', name), 'utf8');
}

/** A minimal host page embedding the widget with `attributes` on the script tag. */
export function hostPage({ attributes = 'data-site="demo"', lang = 'en', head = '', body = '' } = {}) {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title>${head}</head>
<body><main><h1>Host page</h1><p>Some content.</p>${body}</main>
<script src="/widget/loader.js" ${attributes} async></script></body></html>`;
}

/** Clicks the launcher and waits for the panel. */
export async function openPanel(page, launcherName = 'Open support', dialog = DIALOG) {
  await page.getByRole('button', { name: launcherName }).click();
  const panel = page.getByRole('dialog', dialog);
  await panel.waitFor({ state: 'visible' });
  // The panel scales in as it opens: let that finish so geometry is read at rest.
  await panel.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
  return panel;
}

/** Types `query` like a person and waits for its results. */
export async function search(page, panel, query) {
  const answered = page.waitForResponse((r) => {
    const url = new URL(r.url());
    return url.pathname === '/api/v1/search' && url.searchParams.get('q') === query;
  });
  await panel.getByRole('searchbox').pressSequentially(query, { delay: 40 });
  return (await answered).json();
}

/** A description of the focused element inside the widget's shadow root. */
export function focused(page) {
  return page.evaluate(() => {
    const root = document.querySelector('baton-widget')?.shadowRoot;
    const el = root?.activeElement;
    if (!el) return document.activeElement?.tagName?.toLowerCase() ?? null;
    return el.getAttribute('aria-label') || el.id || el.textContent.trim() || el.tagName.toLowerCase();
  });
}

/** Runs axe-core (WCAG 2.0–2.2 A and AA rules) on the widget, shadow root included. */
export async function expectNoAxeViolations(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    // Judge the settled state, not a frame of the opening fade.
    const root = document.querySelector('baton-widget').shadowRoot;
    const fades = root.getAnimations({ subtree: true }).filter((a) => a.effect.getTiming().iterations !== Infinity);
    await Promise.all(fades.map((a) => a.finished.catch(() => {})));
    const result = await window.axe.run(
      { include: [['baton-widget']] },
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } },
    );
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')} ${JSON.stringify(n.any[0]?.data ?? '')}`).join(', ')}`);
  });
  assert.deepEqual(violations, [], `axe violations in state "${state}"`);
}

/**
 * Saves a screenshot of the page: always into tests/e2e/artifacts/ (ignored by git), and into
 * docs/images/ (committed, linked from docs/embedding.md) when BATON_SCREENSHOTS=1.
 */
export async function screenshot(page, name) {
  const dirs = [join(here, 'artifacts')];
  if (process.env.BATON_SCREENSHOTS === '1') dirs.push(join(here, '..', '..', 'docs', 'images'));
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }
}
