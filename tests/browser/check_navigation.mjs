#!/usr/bin/env node
// Drive built a11ykit pages with the keyboard in headless Chromium; the assertions live in
// tests/test_a11y_audit.py.
//
//   node tests/browser/check_navigation.mjs BASE_URL PAGE [PAGE…]
//
// For each page, prints one JSON object on its own line to stdout:
//   skip:     the element the first Tab focuses, where Enter on it leads (the URL's hash) and
//             the element the next Tab focuses;
//   chapters: the chapters track's cues, the player's chapter buttons, and for each button
//             (reached with Tab from the one before, the first focused directly) what pressing
//             Enter or Space did: the audio's currentTime, the highlighted sentences and the
//             button marked aria-current.
// A page that cannot be driven gets {"page": …, "error": …}. Exit status 0 unless the script
// itself crashes.
//
// Environment: CHROMIUM (default /usr/bin/chromium); CHECK_DEADLINE_MS (default 90000).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT = 10000;
const DEADLINE_MS = Number(process.env.CHECK_DEADLINE_MS) || 90000;

// --- in the page ------------------------------------------------------------------------

function pageDescribeFocus() {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const box = element.getBoundingClientRect();
  return {
    tag: element.tagName.toLowerCase(),
    classes: Array.from(element.classList),
    text: (element.textContent || "").replace(/\s+/g, " ").trim(),
    href: element.getAttribute("href"),
    inside: Array.from(document.querySelectorAll("[id]"), (e) => e.id).filter((id) =>
      document.getElementById(id).contains(element)
    ),
    visible: box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0,
  };
}

// Waits until the audio has metadata, the captions are loaded and the chapter list is made.
function pageWaitForChapters(stepTimeout) {
  const audio = document.getElementById("a11y-audio");
  const start = performance.now();
  return new Promise((resolve) => {
    (function poll() {
      const nav = document.querySelector(".a11y-chapters");
      const captions = audio && audio.querySelector('track[kind="captions"]');
      const ready =
        audio &&
        audio.readyState >= 1 &&
        captions &&
        captions.readyState === 2 &&
        nav &&
        !nav.hidden &&
        nav.querySelector("button");
      if (ready || performance.now() - start > stepTimeout) {
        resolve({ ready: Boolean(ready), waitedMs: Math.round(performance.now() - start) });
      } else {
        setTimeout(poll, 25);
      }
    })();
  });
}

function pageChapters() {
  const element = document.querySelector('#a11y-audio track[kind="chapters"]');
  const nav = document.querySelector(".a11y-chapters");
  return {
    cues: element && element.track.cues
      ? Array.from(element.track.cues, (cue) => ({ id: cue.id, start: cue.startTime, text: cue.text }))
      : null,
    nav: nav ? { tag: nav.tagName.toLowerCase(), label: nav.getAttribute("aria-label"), hidden: nav.hidden } : null,
    buttons: Array.from(document.querySelectorAll(".a11y-chapters button"), (button) => ({
      text: button.textContent,
      cue: button.getAttribute("data-cue"),
      type: button.type,
    })),
  };
}

// Resolves once the audio has seeked and the captions' cue change (if any) has been handled.
function pageAwaitSeek(stepTimeout) {
  const audio = document.getElementById("a11y-audio");
  const track = Array.from(audio.textTracks).find((t) => t.kind === "captions");
  return new Promise((resolve) => {
    let timeout = null;
    const finish = (how) => {
      clearTimeout(timeout);
      // The page script's own listeners run first: report after this turn of the event loop.
      setTimeout(() => {
        resolve({
          how,
          currentTime: audio.currentTime,
          paused: audio.paused,
          current: Array.from(document.querySelectorAll(".a11y-current"), (e) => e.id),
          ariaCurrent: Array.from(document.querySelectorAll(".a11y-chapters [aria-current]"), (b) =>
            b.getAttribute("data-cue")
          ),
        });
      }, 0);
    };
    audio.addEventListener(
      "seeked",
      () => {
        // cuechange follows a seek that changes the active cues; give it time to arrive.
        let waited = false;
        const onCue = () => {
          if (!waited) {
            waited = true;
            finish("seeked+cuechange");
          }
        };
        track.addEventListener("cuechange", onCue, { once: true });
        setTimeout(() => {
          track.removeEventListener("cuechange", onCue);
          if (!waited) {
            waited = true;
            finish("seeked");
          }
        }, 400);
      },
      { once: true }
    );
    timeout = setTimeout(() => finish("timeout"), stepTimeout);
  });
}

// --- driving ----------------------------------------------------------------------------

async function checkPage(browser, baseUrl, name) {
  const url = new URL(name, baseUrl).href;
  const result = { page: name, url, pageErrors: [] };
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => result.pageErrors.push(String(error)));
  try {
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(url, { waitUntil: "load", timeout: STEP_TIMEOUT });
    result.wait = await page.evaluate(pageWaitForChapters, STEP_TIMEOUT);
    // The skip link: the first Tab, Enter, the next Tab.
    await page.keyboard.press("Tab");
    const first = await page.evaluate(pageDescribeFocus);
    await page.keyboard.press("Enter");
    const hash = await page.evaluate(() => location.hash);
    await page.keyboard.press("Tab");
    const next = await page.evaluate(pageDescribeFocus);
    result.skip = { first, hash, next };
    // The chapters: each button, with Enter and Space in turn.
    Object.assign(result, await page.evaluate(pageChapters));
    result.presses = [];
    const count = result.buttons.length;
    for (let i = 0; i < count; i++) {
      if (i === 0) await page.focus(".a11y-chapters li:first-child button");
      else await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => document.activeElement.getAttribute("data-cue"));
      const key = i % 2 === 0 ? "Enter" : "Space";
      const seek = page.evaluate(pageAwaitSeek, STEP_TIMEOUT);
      await page.keyboard.press(key);
      result.presses.push({ index: i, key, focused, ...(await seek) });
    }
  } catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
  } finally {
    await context.close().catch(() => {});
  }
  return result;
}

async function main() {
  const [baseUrl, ...pages] = process.argv.slice(2);
  if (!baseUrl || pages.length === 0) {
    process.stderr.write("usage: check_navigation.mjs BASE_URL PAGE [PAGE…]\n");
    process.exit(2);
  }
  const profile = mkdtempSync(join(tmpdir(), "a11ykit-chromium-"));
  let browser = null;
  // Chromium runs in its own process group: on a deadline or a signal, kill it before leaving.
  const abort = (why) => {
    process.stderr.write(`check_navigation.mjs: ${why}\n`);
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
    for (const name of pages) process.stdout.write(JSON.stringify(await checkPage(browser, baseUrl, name)) + "\n");
  } finally {
    if (browser) await browser.close().catch(() => browser.process()?.kill("SIGKILL"));
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

main().catch((error) => {
  process.stderr.write(`check_navigation.mjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
