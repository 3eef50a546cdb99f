#!/usr/bin/env node
// Decode joined narration files in headless Chromium; the assertions live in tests/test_joining_browser.py.
//
//   node tests/browser/check_joined.mjs BASE_URL RATE FILE [FILE…]
//
// Opens BASE_URL/ (any page of the same origin) and, for each FILE, prints one JSON object on
// its own line: the <audio> element's duration, and the file decoded by the Web Audio API
// (decodeAudioData in an OfflineAudioContext at RATE Hz): its length and its samples as
// base64 little-endian float32. {"file": …, "error": …} when a file cannot be measured.
//
// Environment: CHROMIUM (default /usr/bin/chromium).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const EXECUTABLE = process.env.CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT = 15000;

async function measure(file, rate, stepTimeout) {
  const result = { file };
  const audio = new Audio();
  audio.preload = "metadata";
  audio.src = file;
  result.duration = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), stepTimeout);
    audio.addEventListener("loadedmetadata", () => { clearTimeout(timer); resolve(audio.duration); });
    audio.addEventListener("error", () => { clearTimeout(timer); resolve(null); });
  });
  const data = await (await fetch(file)).arrayBuffer();
  const context = new OfflineAudioContext(1, 1, rate);
  const buffer = await context.decodeAudioData(data);
  const samples = buffer.getChannelData(0);
  result.sampleRate = buffer.sampleRate;
  result.length = buffer.length;
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  result.samples = btoa(binary);
  return result;
}

const [base, rate, ...files] = process.argv.slice(2);
if (!base || !rate || files.length === 0) {
  process.stderr.write("usage: check_joined.mjs BASE_URL RATE FILE [FILE…]\n");
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "a11ykit-joined-"));
const browser = await puppeteer.launch({
  executablePath: EXECUTABLE,
  headless: true,
  userDataDir: profile,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
});
try {
  const page = await browser.newPage();
  await page.goto(new URL("index.html", base).href, { waitUntil: "load", timeout: STEP_TIMEOUT });
  for (const file of files) {
    try {
      process.stdout.write(JSON.stringify(await page.evaluate(measure, file, Number(rate), STEP_TIMEOUT)) + "\n");
    } catch (error) {
      process.stdout.write(JSON.stringify({ file, error: String(error) }) + "\n");
    }
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
