#!/usr/bin/env node
// Audit pages with pa11y (HTML_CodeSniffer, WCAG 2 AA, and axe-core) in headless Chromium;
// the assertions live in tests/test_a11y_audit.py.
//
//   node tests/browser/check_pa11y.mjs [--wait-for=SELECTOR] URL [[--wait-for=SELECTOR] URL…]
//
// --wait-for: audit that URL once an element matching SELECTOR is visible (what the page's
// script adds, such as the player's chapter list, is audited too).
// For each URL, prints one JSON object on its own line to stdout: {"url", "pa11y": version,
// "issues": [{runner, type, code, message, selector, context}]} with errors and warnings (not
// notices), or {"url", "error"} if the page could not be audited. Exit status 0 unless the
// script itself crashes (browser missing, bad arguments).
//
// Environment: CHROMIUM (default /usr/bin/chromium); CHECK_DEADLINE_MS (default 150000): the
// whole run's limit, after which the browser is killed and the script exits 1.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pa11y from "pa11y";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const PA11Y_VERSION = JSON.parse(readFileSync(require.resolve("pa11y/package.json"), "utf8")).version;
const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const DEADLINE_MS = Number(process.env.CHECK_DEADLINE_MS) || 150000;

async function audit(browser, url, waitFor) {
  const page = await browser.newPage();
  try {
    const results = await pa11y(url, {
      browser,
      page,
      standard: "WCAG2AA",
      runners: ["htmlcs", "axe"],
      includeWarnings: true,
      includeNotices: true, // axe's minor violations and what it could not decide are notices
      timeout: 60000,
      viewport: { width: 1280, height: 900 },
      actions: waitFor ? [`wait for element ${waitFor} to be visible`] : [],
    });
    return {
      url,
      waitedFor: waitFor,
      pa11y: PA11Y_VERSION,
      title: results.documentTitle,
      issues: results.issues.map((issue) => ({
        runner: issue.runner,
        type: issue.type,
        code: issue.code,
        message: issue.message,
        selector: issue.selector,
        context: (issue.context || "").slice(0, 300),
      })),
    };
  } catch (error) {
    return { url, error: String(error && error.stack ? error.stack : error) };
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const targets = [];
  let waitFor = null;
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith("--wait-for=")) waitFor = arg.slice("--wait-for=".length);
    else {
      targets.push({ url: arg, waitFor });
      waitFor = null;
    }
  }
  if (targets.length === 0) {
    process.stderr.write("usage: check_pa11y.mjs [--wait-for=SELECTOR] URL [[--wait-for=SELECTOR] URL…]\n");
    process.exit(2);
  }
  const profile = mkdtempSync(join(tmpdir(), "a11ykit-pa11y-"));
  let browser = null;
  // Chromium runs in its own process group: on a deadline or a signal, kill it before leaving.
  const abort = (why) => {
    process.stderr.write(`check_pa11y.mjs: ${why}\n`);
    const done = () => {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      process.exit(1);
    };
    const child = browser?.process();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.once("exit", done);
      setTimeout(done, 3000);
      child.kill("SIGKILL");
    } else {
      done();
    }
  };
  setTimeout(() => abort(`gave up after ${DEADLINE_MS} ms`), DEADLINE_MS).unref();
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => abort(`stopped by ${signal}`));
  try {
    browser = await puppeteer.launch({
      executablePath: EXECUTABLE,
      headless: true,
      userDataDir: profile,
      timeout: 30000,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // Offline: nothing but loopback resolves (the tests must not touch the network).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--mute-audio",
      ],
    });
    for (const { url, waitFor } of targets) process.stdout.write(JSON.stringify(await audit(browser, url, waitFor)) + "\n");
  } finally {
    if (browser) await browser.close().catch(() => browser.process()?.kill("SIGKILL"));
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

main().catch((error) => {
  process.stderr.write(`check_pa11y.mjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
