// Embedding the widget: hostile host CSS, a strict CSP (iframe fallback), the JS API queued
// before the app loads, data attributes, and state kept across a page navigation.

import assert from 'node:assert/strict';
import { scenario } from './harness.mjs';
import { DIALOG, fixture, gotoFixture, hostPage, openPanel, search } from './widget-kit.mjs';

/** Geometry and type of the open panel, read inside the shadow root. */
function measurePanel(page) {
  return page.evaluate(() => {
    const root = document.querySelector('baton-widget').shadowRoot;
    const box = (sel) => {
      const el = root.querySelector(sel);
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return { w: Math.round(r.width), h: Math.round(r.height), font: s.fontSize, family: s.fontFamily, color: s.color, border: s.borderTopStyle };
    };
    return { panel: box('.panel'), input: box('input[type=search]'), close: box('.icon-button'), title: box('.site-name') };
  });
}

scenario('hostile global CSS on the host page changes nothing in the widget', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  await openPanel(page);
  const reference = await measurePanel(page);

  await page.context().clearCookies();
  await page.evaluate(() => sessionStorage.clear());
  await gotoFixture(page, server, '/fixtures/hostile', await fixture('hostile.html'));
  const panel = await openPanel(page);
  assert.deepEqual(await measurePanel(page), reference);
  const results = await search(page, panel, 'reset');
  assert.ok(results.hits.length > 0);
  await panel.getByRole('button', { name: results.hits[0].title }).first().waitFor();
  // And nothing leaks out: the host's own <mark> keeps the host's colours.
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('host-mark')).backgroundColor), 'rgb(255, 0, 168)');
});

const CSP = [
  "default-src 'self'",
  "script-src 'self' 'nonce-b4t0n'",
  "style-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "img-src 'self' data:",
].join('; ');

scenario('under a strict CSP without wasm-unsafe-eval the widget runs in an iframe', async ({ server, page, allowConsoleError }) => {
  // Chromium reports the refused probe compile; that report is the detection, not a failure.
  allowConsoleError(/WebAssembly|wasm-unsafe-eval|Content Security Policy/i);
  const events = [];
  await page.exposeFunction('batonEvent', (e) => events.push(e));
  await gotoFixture(page, server, '/fixtures/strict-csp',
    hostPage({ attributes: 'data-site="demo" nonce="b4t0n"', body: '<script nonce="b4t0n">window.Baton||0</script>' }),
    { 'Content-Security-Policy': CSP });
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  await page.evaluate(() => {
    window.Baton.on('open', () => window.batonEvent('open'));
    window.Baton.on('close', () => window.batonEvent('close'));
  });
  await page.getByRole('button', { name: 'Open support' }).click();

  const frame = page.frameLocator('baton-widget iframe');
  const panel = frame.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  assert.equal(await page.getByRole('button', { name: 'Open support' }).getAttribute('aria-expanded'), 'true');
  await panel.getByRole('searchbox').pressSequentially('reset', { delay: 40 });
  await panel.getByRole('list').getByRole('button').first().waitFor();

  await panel.getByRole('searchbox').press('Escape');
  await page.locator('baton-widget iframe').waitFor({ state: 'hidden' });
  assert.equal(await page.getByRole('button', { name: 'Open support' }).getAttribute('aria-expanded'), 'false');
  assert.deepEqual(events, ['open', 'close']);
});

scenario('API calls made before the app loads are queued and replayed in order', async ({ server, page }) => {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/widget\/baton-widget\.[0-9a-f]+\.js$/, async (route) => { await held; await route.continue(); });
  const events = [];
  await page.exposeFunction('batonEvent', (type, detail) => { events.push([type, detail]); });
  await page.goto(`${server.url}/`);
  await page.getByRole('button', { name: 'Open support' }).waitFor();
  await page.evaluate(() => {
    for (const type of ['open', 'handoff']) window.Baton.on(type, (d) => window.batonEvent(type, d ?? null));
    window.Baton.identify({ id: 'u-42', name: 'Ada Lovelace', email: 'ada@example.com' });
    window.Baton.setContext({ plan: 'plus', order: 'NB-1001' });
    window.Baton.startFlow('hub-offline');
    window.Baton.search('reset');
  });
  assert.equal(await page.getByRole('dialog', DIALOG).count(), 0, 'no panel before the app loaded');
  release();

  const panel = page.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.getByRole('searchbox').inputValue(), 'reset');
  await panel.getByRole('list').getByRole('button').first().waitFor();

  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  assert.equal(await panel.getByLabel('Your name').inputValue(), 'Ada Lovelace', 'identify() prefills the form');
  assert.equal(await panel.getByLabel('Email').inputValue(), 'ada@example.com');
  await panel.getByLabel('How can we help?').fill('The ring stays amber.');
  const posted = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/handoffs');
  await panel.getByRole('button', { name: 'Send' }).click();
  const body = JSON.parse((await posted).postData());
  assert.deepEqual(body.context, { plan: 'plus', order: 'NB-1001' });
  assert.equal(body.identity.id, 'u-42');
  await panel.getByText('Your reference is').waitFor();
  await page.waitForFunction(() => true); // let the exposed callbacks of this turn arrive
  assert.equal(events[0][0], 'open');
  assert.ok(events.some(([type, d]) => type === 'handoff' && /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(d.reference)), JSON.stringify(events));
});

scenario('data attributes set locale, position, colour and open on load', async ({ server, page }) => {
  await gotoFixture(page, server, '/fixtures/attributes',
    hostPage({ attributes: 'data-site="demo" data-locale="de" data-position="left" data-color="#0b6e4f" data-open="true"' }));
  const panel = page.getByRole('dialog', DIALOG);
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.getAttribute('lang'), 'de');
  await panel.getByRole('searchbox', { name: 'Hilfeartikel durchsuchen' }).waitFor();
  await panel.getByRole('button', { name: 'Mit einem Menschen sprechen' }).waitFor();
  const geometry = await page.evaluate(() => {
    const root = document.querySelector('baton-widget').shadowRoot;
    return {
      panelLeft: Math.round(root.querySelector('.panel').getBoundingClientRect().left),
      launcherLeft: Math.round(root.querySelector('.l').getBoundingClientRect().left),
      header: getComputedStyle(root.querySelector('.header')).backgroundColor,
    };
  });
  assert.deepEqual(geometry, { panelLeft: 20, launcherLeft: 20, header: 'rgb(11, 110, 79)' });
});

scenario('Arabic from <html lang> lays the panel out right to left', async ({ server, page }) => {
  await gotoFixture(page, server, '/fixtures/arabic', hostPage({ lang: 'ar' }));
  const panel = await openPanel(page, 'فتح الدعم');
  assert.equal(await panel.getAttribute('dir'), 'rtl');
  await panel.getByRole('searchbox', { name: 'البحث في مقالات المساعدة' }).waitFor();
  const iconIsRight = await page.evaluate(() => {
    const root = document.querySelector('baton-widget').shadowRoot;
    const input = root.querySelector('input').getBoundingClientRect();
    const icon = root.querySelector('.search-icon').getBoundingClientRect();
    return icon.left > input.left + input.width / 2;
  });
  assert.ok(iconIsRight, 'the search icon sits at the start of the line, which is on the right');
});

scenario('open panel, view and transcript survive a page navigation', async ({ server, page }) => {
  await page.goto(`${server.url}/`);
  const panel = await openPanel(page);
  const results = await search(page, panel, 'reset');
  const first = results.hits[0];
  await panel.getByRole('button', { name: first.title }).first().click();
  await panel.getByRole('heading', { level: 2, name: first.title }).waitFor();
  await panel.getByRole('button', { name: 'Talk to a person' }).click();
  await panel.getByLabel('How can we help?').fill('Typed before navigating away.');

  await page.goto(`${server.url}/?from=navigation`);
  const again = page.getByRole('dialog', DIALOG);
  await again.waitFor({ state: 'visible' });
  assert.equal(await again.getByLabel('How can we help?').inputValue(), 'Typed before navigating away.');
  await again.getByRole('button', { name: 'Back to help articles' }).click();
  assert.equal(await again.getByRole('searchbox').inputValue(), 'reset');

  const transcript = await page.evaluate(() => JSON.parse(sessionStorage.getItem('baton:demo:transcript')));
  const types = transcript.events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t === 'page_view').length, 2, JSON.stringify(types));
  assert.ok(types.includes('search') && types.includes('article_opened'), JSON.stringify(types));
});
