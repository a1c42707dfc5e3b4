// Lighthouse's performance audit of one page of the web app, as a phone on a slow network
// sees it the first time: Lighthouse's default mobile emulation and simulated throttling,
// an empty cache. Debian's Chromium, started here with a fresh profile.
//
// Run by tests/browser/webtools.py with the npm tools' folder as the working directory (so
// that the imports below resolve there): node --input-type=module - < lighthouse.mjs
// Input (environment): LH_URL, the page; LH_STORAGE, optional JSON {origin, local: {k: v}}
// put into the origin's localStorage first (the page reads the device's session list from
// there), after which the HTTP cache is emptied again; LH_EXPECT, optional CSS selector of
// what the page must show in the end ("shows"). Output: one JSON line on stdout.

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const url = process.env.LH_URL;
const storage = process.env.LH_STORAGE ? JSON.parse(process.env.LH_STORAGE) : null;
const expect = process.env.LH_EXPECT || "";
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic"],
});
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  if (storage) {
    await page.goto(`${storage.origin}/healthz`);
    await page.evaluate((items) => {
      for (const [key, value] of Object.entries(items)) localStorage.setItem(key, value);
    }, storage.local);
  }
  const cdp = await page.createCDPSession();
  await cdp.send("Network.clearBrowserCache");
  const result = await lighthouse(url, {
    output: "json", logLevel: "error", onlyCategories: ["performance"],
    // Storage is kept only when it was set above; the cache was just emptied either way.
    disableStorageReset: !!storage,
  }, undefined, page);
  const lhr = result.lhr;
  // What the audited page showed in the end (a blank page would score well too).
  const shows = expect ? await page.evaluate((sel) => !!document.querySelector(sel), expect) : null;
  const audit = (id) => lhr.audits[id] || {};
  const summary = {
    url, score: Math.round((lhr.categories.performance.score || 0) * 100),
    fcp_ms: audit("first-contentful-paint").numericValue,
    lcp_ms: audit("largest-contentful-paint").numericValue,
    tbt_ms: audit("total-blocking-time").numericValue,
    cls: audit("cumulative-layout-shift").numericValue,
    si_ms: audit("speed-index").numericValue,
    bytes: audit("total-byte-weight").numericValue,
    shifts: (audit("layout-shifts").details?.items || []).map((i) => [i.node?.snippet, i.score]),
    shows,
    runtime_error: lhr.runtimeError ? lhr.runtimeError.message : null,
    warnings: lhr.runWarnings,
  };
  await browser.disconnect();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await chrome.kill();
}
