// The review page in headless Chromium: the rows as the page shows them first, after the order
// switch is set to reading order with the keyboard, and after the reason filter; the status line;
// script errors; axe-core's violations. Prints one JSON object. Usage: node check_review.mjs PAGE.html
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(process.argv[2]).href);
  const shown = () => page.$$eval("tbody tr", (rows) => rows.filter((r) => !r.hidden).map((r) => r.id));
  const first = await shown();
  const formShown = await page.$eval("#view", (form) => !form.hidden);
  await page.focus("#order");
  await page.keyboard.press("ArrowDown"); // the second option: reading order
  const reading = await shown();
  await page.select("#reason", process.argv[3]);
  const filtered = await shown();
  const status = await page.$eval("#shown", (s) => s.textContent);
  await page.addScriptTag({ content: AXE_SOURCE });
  const axe = await page.evaluate(async () =>
    (await window.axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })));
  console.log(JSON.stringify({ first, formShown, reading, filtered, status, axe, errors }));
} finally {
  await browser.close();
}
