// `cargo xtask bench widget`, the browser half: what the widget costs a host page, measured in
// headless Chromium on the demo page (index.html) served by a real `baton serve`.
//
// Prints, as medians over BATON_BENCH_RUNS runs (default 15), each in a fresh browser context
// (empty HTTP cache):
// - loader: main-thread time the loader costs the page before `load` (CDP Performance metrics
//   ScriptDuration and TaskDuration, the demo page with the script tag minus the same page
//   without it);
// - idle load: main-thread time of the app loaded when the browser is idle (import, wasm
//   compile and instantiate, mount), the same difference taken once the app has mounted;
// - click to interactive: from the click on the launcher to the search input focused inside the
//   open panel, cold (the app not loaded yet: the idle load is held back, so the click loads it)
//   and warm (the app already loaded while idle).
//
// Not a test: timings are printed, never asserted. Environment as for the e2e tests
// (BATON_BIN, BATON_WIDGET_DIR, BATON_CONTENT_DIR, BATON_HOST_PAGE, CHROMIUM).

import { readFile } from 'node:fs/promises';
import { startServer, launchBrowser } from './harness.mjs';

const RUNS = Number(process.env.BATON_BENCH_RUNS || 15);

/** Holds back the loader's idle load, so that the click is what loads the app. */
const NO_IDLE = 'window.requestIdleCallback = function () { return 0; };';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { script: get('ScriptDuration') * 1000, task: get('TaskDuration') * 1000 };
}

/** Whether the app has mounted: its panel exists (hidden) in the shadow root. */
const MOUNTED = () => !!document.querySelector('baton-widget')?.shadowRoot?.querySelector('[role=dialog]');

/**
 * One page load of `html` at the server's `/`; answers main-thread figures at `load` and, when
 * `waitForApp`, once the app has mounted.
 */
async function loadCost(browser, server, html, waitForApp) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${server.url}/`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204 }));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  if (!waitForApp) await page.addInitScript(NO_IDLE);
  await page.goto(`${server.url}/`, { waitUntil: 'load' });
  const atLoad = await metrics(cdp);
  let afterApp = null;
  if (waitForApp) {
    await page.waitForFunction(MOUNTED, null, { timeout: 30_000 });
    // Let the mount's own tasks finish.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    afterApp = await metrics(cdp);
  }
  await context.close();
  return { atLoad, afterApp };
}

/** Milliseconds from a click on the launcher to the focused search input in the open panel. */
async function clickToInteractive(browser, server, warm) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204 }));
  if (!warm) await page.addInitScript(NO_IDLE);
  await page.goto(`${server.url}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => !!document.querySelector('baton-widget')?.shadowRoot?.querySelector('button'));
  if (warm) await page.waitForFunction(MOUNTED, null, { timeout: 30_000 });
  const ms = await page.evaluate(() => new Promise((resolve, reject) => {
    const root = document.querySelector('baton-widget').shadowRoot;
    const launcher = root.querySelector('button');
    const start = performance.now();
    const timeout = setTimeout(() => reject(new Error('the panel did not become interactive in 30 s')), 30_000);
    const check = () => {
      const input = root.querySelector('[role=dialog]:not([hidden]) input[type=search]');
      if (input && root.activeElement === input && !input.disabled) {
        clearTimeout(timeout);
        resolve(performance.now() - start);
      } else {
        requestAnimationFrame(check);
      }
    };
    launcher.click();
    check();
  }));
  await context.close();
  return ms;
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

// Both variants run one inline script first: real host pages run JavaScript anyway, and the
// engine's start-up is not the loader's cost.
const demoPage = (await readFile(process.env.BATON_HOST_PAGE, 'utf8'))
  .replace('</head>', '<script>window.hostPageScript = 1;</script></head>');
const hostPage = demoPage;
const withoutLoader = demoPage.replace(/<script[^>]*\/widget\/loader\.js[^>]*><\/script>/, '');
if (withoutLoader === hostPage || !demoPage.includes('hostPageScript')) {
  throw new Error('the host page needs a </head> and a <script src=".../widget/loader.js"> tag');
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const bare = [], loader = [], app = [], cold = [], warm = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push((await loadCost(browser, server, withoutLoader, false)).atLoad);
    loader.push((await loadCost(browser, server, hostPage, false)).atLoad);
    app.push((await loadCost(browser, server, hostPage, true)).afterApp);
    cold.push(await clickToInteractive(browser, server, false));
    warm.push(await clickToInteractive(browser, server, true));
  }
  const diff = (a, b, key) => median(a.map((m) => m[key])) - median(b.map((m) => m[key]));
  console.log(`\nheadless Chromium, demo page served by baton serve, median of ${RUNS} runs`);
  console.log(`${'measure'.padEnd(46)} ${'value'.padStart(10)}`);
  console.log(`${'loader: script time on the main thread'.padEnd(46)} ${fmt(diff(loader, bare, 'script')).padStart(10)}`);
  console.log(`${'loader: task time on the main thread'.padEnd(46)} ${fmt(diff(loader, bare, 'task')).padStart(10)}`);
  console.log(`${'idle load of the app: script time'.padEnd(46)} ${fmt(diff(app, bare, 'script')).padStart(10)}`);
  console.log(`${'idle load of the app: task time'.padEnd(46)} ${fmt(diff(app, bare, 'task')).padStart(10)}`);
  console.log(`${'click to interactive panel, app not loaded'.padEnd(46)} ${fmt(median(cold)).padStart(10)}`);
  console.log(`${'click to interactive panel, app loaded'.padEnd(46)} ${fmt(median(warm)).padStart(10)}`);
} finally {
  await browser.close();
  await server.stop();
}
