#!/usr/bin/env node
// Measure built a11ykit pages in headless Chromium; the assertions live in tests/test_browser.py.
//
//   node tests/browser/check_player.mjs BASE_URL PAGE [PAGE…]
//
// For each page, prints one JSON object on its own line to stdout: the audio element's
// state and duration, the MP3 source's duration, every cue of the captions and chapters
// tracks, the page element behind each cue id, every sentence span, what is highlighted
// after seeking into chosen cues, and axe-core's violations. A page that cannot be
// measured gets {"page": …, "error": …}. Exit status 0 unless the script itself
// crashes (browser missing, bad arguments).
//
// Environment: CHROMIUM (default /usr/bin/chromium); CHECK_DEADLINE_MS (default 90000): the
// whole run's limit, after which the browser is killed and the script exits 1.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT = 10000; // ms for any one wait inside a page
const DEADLINE_MS = Number(process.env.CHECK_DEADLINE_MS) || 90000; // for the whole run

function usage() {
  process.stderr.write("usage: check_player.mjs BASE_URL PAGE [PAGE…]\n");
  process.exit(2);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// --- in the page ------------------------------------------------------------------------

// Waits until the audio element has metadata (or an error) and the captions track is loaded.
function pageWaitForPlayer(stepTimeout) {
  const audio = document.getElementById("a11y-audio");
  if (!audio) return Promise.resolve({ found: false });
  const captions = audio.querySelector('track[kind="captions"]');
  const start = performance.now();
  return new Promise((resolve) => {
    (function poll() {
      const audioDone = audio.readyState >= 1 || audio.error !== null;
      const trackDone = !captions || captions.readyState >= 2; // 2 LOADED, 3 ERROR
      if ((audioDone && trackDone) || performance.now() - start > stepTimeout) {
        resolve({ found: true, waitedMs: Math.round(performance.now() - start) });
      } else {
        setTimeout(poll, 25);
      }
    })();
  });
}

// Turns the chapters track on (hidden) so its cues load too; waits for it.
function pageLoadChapters(stepTimeout) {
  const element = document.querySelector('#a11y-audio track[kind="chapters"]');
  if (!element) return Promise.resolve(null);
  if (element.track.mode === "disabled") element.track.mode = "hidden";
  const start = performance.now();
  return new Promise((resolve) => {
    (function poll() {
      if (element.readyState >= 2 || performance.now() - start > stepTimeout) resolve(element.readyState);
      else setTimeout(poll, 25);
    })();
  });
}

function pageMeasure() {
  const SKIP_TAGS = "script, style, code, pre, kbd, samp, var, svg, math, template, textarea, noscript";
  const norm = (text) => (text || "").replace(/\s+/g, " ").trim();
  const audio = document.getElementById("a11y-audio");
  if (!audio) return { audio: null };
  const errorOf = (media) => (media.error ? { code: media.error.code, message: media.error.message } : null);
  const cuesOf = (track) =>
    track && track.cues
      ? Array.from(track.cues, (cue) => ({ id: cue.id, start: cue.startTime, end: cue.endTime, text: cue.text }))
      : null;
  const tracks = Array.from(audio.querySelectorAll("track"), (element) => ({
    kind: element.kind,
    label: element.label,
    srclang: element.srclang,
    src: element.src,
    default: element.default,
    readyState: element.readyState,
    mode: element.track.mode,
    cues: cuesOf(element.track),
  }));
  const ids = new Set();
  for (const track of tracks) for (const cue of track.cues || []) ids.add(cue.id);
  const elements = {};
  for (const id of ids) {
    // A long sentence's later caption cues are "<id>.2", "<id>.3"…: they belong to the sentence <id>.
    const part = /^(.+)\.\d+$/.exec(id || "");
    const element = (id ? document.getElementById(id) : null) || (part ? document.getElementById(part[1]) : null);
    elements[id] = element
      ? {
          id: element.id,
          inNotice: Boolean(element.closest(".a11y-notice")),
          tag: element.tagName.toLowerCase(),
          classes: Array.from(element.classList),
          count: document.querySelectorAll(`[id="${CSS.escape(element.id)}"]`).length,
          innerText: norm(element.innerText),
          textContent: norm(element.textContent),
          alt: element.getAttribute("alt"),
        }
      : null;
  }
  return {
    title: document.title,
    lang: document.documentElement.lang,
    audio: {
      readyState: audio.readyState,
      networkState: audio.networkState,
      error: errorOf(audio),
      duration: audio.duration,
      currentSrc: audio.currentSrc,
      controls: audio.controls,
      preload: audio.preload,
      inListenSection: Boolean(audio.closest("section.a11y-listen")),
      sources: Array.from(audio.querySelectorAll("source"), (source) => ({
        src: source.src,
        type: source.type,
        canPlay: audio.canPlayType(source.type),
      })),
    },
    tracks,
    elements,
    sentences: Array.from(document.querySelectorAll("span.a11y-s"), (span) => ({
      id: span.id,
      innerText: norm(span.innerText),
    })),
    // What the narration reads (a11ykit.html.reading): the sentences inside <article>, else
    // <main>, else <body>, outside the player and outside code-like elements.
    readRoot: (document.querySelector("article") || document.querySelector("main") || document.body).tagName.toLowerCase(),
    readSentences: Array.from(
      (document.querySelector("article") || document.querySelector("main") || document.body).querySelectorAll("span.a11y-s"),
      (span) => span
    )
      .filter((span) => !span.closest(".a11y-listen, " + SKIP_TAGS))
      .map((span) => span.id),
    current: Array.from(document.querySelectorAll(".a11y-current"), (element) => element.id),
  };
}

// Loads a source on its own (a detached <audio>) and reports its metadata.
function pageProbe(src, stepTimeout) {
  return new Promise((resolve) => {
    const media = new Audio();
    media.preload = "metadata";
    const start = performance.now();
    let timer;
    const finish = (how) => {
      clearTimeout(timer);
      resolve({
        src,
        how,
        readyState: media.readyState,
        error: media.error ? { code: media.error.code, message: media.error.message } : null,
        duration: media.duration,
        ms: Math.round(performance.now() - start),
      });
      media.removeAttribute("src");
      media.load();
    };
    media.addEventListener("loadedmetadata", () => finish("loadedmetadata"), { once: true });
    media.addEventListener("error", () => finish("error"), { once: true });
    timer = setTimeout(() => finish("timeout"), stepTimeout);
    media.src = src;
  });
}

// Seeks the page's player to `time`, waits for the seek and the cue change, reports what is highlighted.
function pageSeek(time, stepTimeout) {
  const audio = document.getElementById("a11y-audio");
  const track = Array.from(audio.textTracks).find((t) => t.kind === "captions");
  const start = performance.now();
  return new Promise((resolve) => {
    let seeked = false;
    let cuechange = false;
    let settle = null;
    let timeout = null;
    const finish = (how) => {
      clearTimeout(settle);
      clearTimeout(timeout);
      track.removeEventListener("cuechange", onCue);
      // One more turn of the event loop, so the page script's own listeners have run.
      setTimeout(() => {
        resolve({
          time,
          how,
          seeked,
          cuechange,
          currentTime: audio.currentTime,
          activeCues: track.activeCues ? Array.from(track.activeCues, (cue) => cue.id) : null,
          current: Array.from(document.querySelectorAll(".a11y-current"), (element) => element.id || element.tagName),
          ms: Math.round(performance.now() - start),
        });
      }, 0);
    };
    const onCue = () => {
      cuechange = true;
      if (seeked) finish("cuechange");
    };
    track.addEventListener("cuechange", onCue);
    audio.addEventListener(
      "seeked",
      () => {
        seeked = true;
        // cuechange is queued by the seek; if the active cue did not change it never comes.
        if (cuechange) finish("seeked+cuechange");
        else settle = setTimeout(() => finish("seeked"), 400);
      },
      { once: true }
    );
    timeout = setTimeout(() => finish("timeout"), stepTimeout);
    audio.currentTime = time;
  });
}

// Plays from `time` for a moment: does the audio really decode and advance?
function pagePlay(time, ms) {
  const audio = document.getElementById("a11y-audio");
  audio.currentTime = time;
  return audio
    .play()
    .then(
      () => new Promise((resolve) => setTimeout(resolve, ms)),
      (error) => ({ error: String(error) })
    )
    .then((failure) => {
      const result = { from: time, to: audio.currentTime, paused: audio.paused, error: failure ? failure.error : null };
      audio.pause();
      return result;
    });
}

// axe-core over the document, or only over the elements matching `selector`.
function pageAxe(tags, selector) {
  const context = selector ? { include: [[selector]] } : document;
  return window.axe
    .run(context, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
    .then((results) => ({
      version: window.axe.version,
      tags,
      context: selector || "document",
      violations: results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        tags: v.tags,
        nodes: v.nodes.map((n) => ({
          target: n.target,
          html: n.html.slice(0, 300),
          impact: n.impact,
          failureSummary: n.failureSummary,
        })),
      })),
      incomplete: results.incomplete.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
      passes: results.passes.map((v) => v.id),
      inapplicable: results.inapplicable.map((v) => v.id),
    }));
}

// --- driving ----------------------------------------------------------------------------

// The cues to seek into: a sentence in the middle, the last sentence, the image, the first
// sentence (the notice's), a cue that is not a sentence if there is one, then the second
// sentence — forwards and backwards, and through cues that are not sentences (which must
// leave no sentence highlighted); then every other caption cue in order, so every sentence
// (each part of a long one too) is seen highlighted.
function seekPlan(cues, elements) {
  const isSentence = (cue) => (elements[cue.id]?.classes || []).includes("a11y-s");
  const sentences = cues.filter(isSentence);
  const others = cues.filter((cue) => !isSentence(cue));
  const chosen = [
    sentences[Math.floor(sentences.length / 2)],
    sentences[sentences.length - 1],
    others.find((cue) => elements[cue.id]?.tag === "img"),
    sentences[0],
    others.find((cue) => elements[cue.id]?.tag !== "img"),
    sentences[1],
  ].filter(Boolean);
  const rest = cues.filter((cue) => !chosen.includes(cue));
  return [...chosen, ...rest].map((cue) => ({
    cue: cue.id,
    sentence: isSentence(cue),
    element: elements[cue.id]?.id ?? null,
    time: (cue.start + cue.end) / 2,
  }));
}

async function checkPage(browser, baseUrl, name) {
  const started = Date.now();
  const url = new URL(name, baseUrl).href;
  const result = { page: name, url, console: [], pageErrors: [], failedRequests: [], offsite: [], responses: {} };
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const base = new URL(baseUrl);
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warn") {
      result.console.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => result.pageErrors.push(String(error)));
  page.on("request", (request) => {
    const target = new URL(request.url());
    if (/^https?:$/.test(target.protocol) && target.host !== base.host) result.offsite.push(request.url());
  });
  page.on("requestfailed", (request) => {
    result.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    const target = new URL(response.url());
    if (/^https?:$/.test(target.protocol)) (result.responses[target.pathname] ||= []).push(response.status());
  });
  try {
    await page.setViewport({ width: 1280, height: 900 });
    const response = await page.goto(url, { waitUntil: "load", timeout: STEP_TIMEOUT });
    result.status = response ? response.status() : null;
    result.player = await withTimeout(page.evaluate(pageWaitForPlayer, STEP_TIMEOUT), STEP_TIMEOUT + 2000, "player");
    result.chaptersReadyState = await page.evaluate(pageLoadChapters, STEP_TIMEOUT);
    Object.assign(result, await page.evaluate(pageMeasure));
    result.initialCurrent = result.current;
    delete result.current;
    const captions = (result.tracks || []).find((track) => track.kind === "captions");
    const mp3 = (result.audio?.sources || []).find((source) => source.type.startsWith("audio/mpeg"));
    if (mp3) result.mp3 = await page.evaluate(pageProbe, mp3.src, STEP_TIMEOUT);
    // axe over the page as it loads (nothing highlighted) …
    await page.evaluate(AXE_SOURCE);
    result.axe = await withTimeout(page.evaluate(pageAxe, AXE_TAGS, null), 30000, "axe");
    result.seeks = [];
    if (captions?.cues?.length && result.audio.readyState >= 1) {
      for (const step of seekPlan(captions.cues, result.elements)) {
        const seen = await page.evaluate(pageSeek, step.time, STEP_TIMEOUT);
        result.seeks.push({ ...step, ...seen });
      }
      const last = result.seeks[result.seeks.length - 1];
      result.play = await page.evaluate(pagePlay, last ? last.time : 0, 600);
    }
    // … and over the highlighted sentence, once its 0.15 s colour transition is over.
    await new Promise((resolve) => setTimeout(resolve, 250));
    result.highlightedDuringAxe = await page.evaluate(() =>
      Array.from(document.querySelectorAll(".a11y-current"), (element) => element.id)
    );
    if (result.highlightedDuringAxe.length) {
      result.axeHighlight = await withTimeout(page.evaluate(pageAxe, AXE_TAGS, ".a11y-current"), 30000, "axe");
    }
  } catch (error) {
    result.error = String(error && error.stack ? error.stack : error);
  } finally {
    result.ms = Date.now() - started;
    await context.close().catch(() => {});
  }
  return result;
}

async function main() {
  const [baseUrl, ...pages] = process.argv.slice(2);
  if (!baseUrl || pages.length === 0) usage();
  const profile = mkdtempSync(join(tmpdir(), "a11ykit-chromium-"));
  let browser = null;
  // Never leave a browser behind: Chromium runs in its own process group, so killing
  // this script would orphan it. On a deadline or a signal, kill it and clean up first.
  const removeProfile = () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {}
  };
  const abort = (why) => {
    process.stderr.write(`check_player.mjs: ${why}\n`);
    const done = () => {
      removeProfile();
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
      headless: true, // with the explicit --headless=new below
      userDataDir: profile,
      timeout: 30000,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--autoplay-policy=no-user-gesture-required",
        // Offline: nothing but loopback resolves (the tests must not touch the network).
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        "--mute-audio",
      ],
    });
    const version = await browser.version();
    for (const name of pages) {
      const result = await checkPage(browser, baseUrl, name);
      result.browser = version;
      process.stdout.write(JSON.stringify(result) + "\n");
    }
  } finally {
    if (browser) await browser.close().catch(() => browser.process()?.kill("SIGKILL"));
    removeProfile();
  }
}

main().catch((error) => {
  process.stderr.write(`check_player.mjs: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
