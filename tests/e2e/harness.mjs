// Shared by the end-to-end tests: starts a real `baton serve` on a free port with a fresh data
// directory, drives headless Chromium with playwright-core, and fails a test on any console
// error or uncaught page error. On failure it prints the server's log (stderr) and saves a
// screenshot under tests/e2e/artifacts/.
//
// Configured by environment variables, which `cargo xtask test` sets:
//   BATON_BIN, BATON_WIDGET_DIR, BATON_CONTENT_DIR, BATON_HOST_PAGE, CHROMIUM.

import { test } from 'node:test';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run the end-to-end tests with \`cargo xtask test\``);
  }
  return value;
}

/** The flags Chromium needs on a machine with no network and as root. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const LISTENING = /^baton listening on (http:\/\/\S+)$/;

/**
 * Starts `baton serve` on 127.0.0.1 with a free port and an empty data directory, and resolves
 * once it printed that it is listening. `contentDir` replaces BATON_CONTENT_DIR.
 */
export async function startServer({ contentDir } = {}) {
  const bin = required('BATON_BIN');
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-e2e-'));
  const child = spawn(
    bin,
    [
      'serve',
      '--addr', '127.0.0.1:0',
      '--data-dir', dataDir,
      '--content-dir', contentDir ?? required('BATON_CONTENT_DIR'),
      '--widget-dir', required('BATON_WIDGET_DIR'),
      '--host-page', required('BATON_HOST_PAGE'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baton did not start within 60 s\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = LISTENING.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`baton exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    });
  });

  return {
    /** The base URL, without a trailing slash, such as http://127.0.0.1:41234. */
    url: url.replace(/\/$/, ''),
    dataDir,
    stderr: () => stderr,
    /** Stops this server (only this process) with SIGTERM and removes its data directory. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        let timer;
        const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), 10_000); });
        const outcome = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          process.stderr.write('baton did not stop within 10 s of SIGTERM; killing it\n');
          child.kill('SIGKILL');
          await exited;
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `baton ticket show REF` against the server's database and parses its JSON. */
export async function showTicket(server, reference) {
  const { stdout } = await promisify(execFile)(
    required('BATON_BIN'),
    ['ticket', 'show', reference, '--data-dir', server.dataDir],
  );
  return JSON.parse(stdout);
}

/** `baton agent add EMAIL --name NAME --password-stdin` against the server's database. */
export function addAgent(server, email, name, password) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      required('BATON_BIN'),
      ['agent', 'add', email, '--name', name, '--password-stdin', '--data-dir', server.dataDir],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`baton agent add failed (${code}): ${output}`))));
    child.stdin.end(`${password}\n`);
  });
}

/** Creates an admin token with `baton admin-token create` in the server's database. */
export async function createAdminToken(server) {
  const { stdout } = await promisify(execFile)(
    required('BATON_BIN'),
    ['admin-token', 'create', '--label', 'e2e', '--data-dir', server.dataDir],
  );
  const token = /\S*baton_admin_\S+/.exec(stdout)?.[0];
  if (!token) throw new Error(`no token in the output of baton admin-token create: ${stdout}`);
  return token;
}

/** Launches headless Chromium (the system's, never a downloaded one). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/** Records console errors and uncaught exceptions of `page`. */
function watch(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location()?.url;
      problems.push({ console: where ? `${msg.text()} (${where})` : msg.text() });
    }
  });
  page.on('pageerror', (err) => problems.push({ uncaught: String(err.stack || err) }));
  return problems;
}

/**
 * Declares a test that gets a fresh server, browser and page, and that fails on any console
 * error or uncaught page error. `body({ server, page, browser, allowConsoleError })` does the
 * rest; `contentDir` serves another knowledge base. `allowConsoleError(pattern)` accepts
 * console errors the test provokes on purpose (such as Chromium's "Failed to load resource" line
 * for a deliberate 400).
 */
export function scenario(name, body, { contentDir } = {}) {
  test(name, { timeout: 180_000 }, async () => {
    const server = await startServer({ contentDir });
    let browser;
    let page;
    try {
      browser = await launchBrowser();
      page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      // Chromium asks every origin for /favicon.ico on its own; the demo server has none, and
      // that 404 is the browser's business, not an error of the host page or the widget.
      await page.route(/\/favicon\.ico$/, (route) => route.fulfill({ status: 204 }));
      const problems = watch(page);
      const allowed = [];
      const allowConsoleError = (pattern) => allowed.push(pattern);
      await body({ server, page, browser, allowConsoleError });
      const unexpected = problems
        .filter((p) => !(p.console !== undefined && allowed.some((pattern) => pattern.test(p.console))))
        .map((p) => (p.console !== undefined ? `console error: ${p.console}` : `uncaught: ${p.uncaught}`));
      if (unexpected.length > 0) {
        throw new Error(`the page reported errors:\n${unexpected.join('\n')}`);
      }
    } catch (err) {
      await saveScreenshot(page, name);
      process.stderr.write(`\n--- baton server log (${name}) ---\n${server.stderr()}--- end of log ---\n`);
      throw err;
    } finally {
      await browser?.close();
      await server.stop();
    }
  });
}

async function saveScreenshot(page, name) {
  if (!page) return;
  try {
    const dir = join(here, 'artifacts');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${name.replace(/[^\w-]+/g, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true });
    process.stderr.write(`screenshot: ${file}\n`);
  } catch {
    // A screenshot is a convenience; the test's own error is what matters.
  }
}

/** `text` as a regular expression matching it literally at the start. */
export function startsWith(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}
