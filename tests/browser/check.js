// Opens built attest sites in headless Chromium as a reader would: the
// entry page loads without console errors (and without any request to
// another host), a screenshot is saved, and typing "Grozny" in the search
// box lists the entry whose text only says Грозный.
//
// usage: node tests/browser/check.js SAMPLE_SITE SEARCH_SITE OUT_DIR
"use strict";
const path = require("path");
const fs = require("fs");
const { launch, watchedPage, verdict } = require("./common");

const [sampleSite, searchSite, outDir] = process.argv.slice(2).map((p) => path.resolve(p));
const fileUrl = (p) => "file://" + p;

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  const failures = [];
  try {
    const problems = [];
    const page = await watchedPage(browser, problems, (u) => u.startsWith("file:") || u.startsWith("data:"));

    await page.goto(fileUrl(path.join(sampleSite, "entries/chechens-ingush-1944/index.html")), { waitUntil: "load" });
    await page.screenshot({ path: path.join(outDir, "entry.png"), fullPage: true });
    for (const sel of ["#figures table.ledger", "#events svg", "#positions", "#cite .how-to-cite", ".references li"]) {
      if (!(await page.$(sel))) failures.push("the entry page has no " + sel);
    }
    const accessed = await page.textContent("#access-date");
    if (!accessed || accessed.includes("[")) failures.push("the access date was not filled in: " + accessed);

    await page.goto(fileUrl(path.join(searchSite, "search/index.html")), { waitUntil: "load" });
    await page.fill("#search-input", "Grozny");
    await page.waitForSelector("#search-results a", { timeout: 5000 }).catch(() => {});
    const links = await page.$$eval("#search-results a", (as) => as.map((a) => a.getAttribute("href")));
    await page.screenshot({ path: path.join(outDir, "search.png") });
    if (!links.some((h) => h && h.includes("entries/city/"))) failures.push("searching Grozny did not list the entry saying Грозный: " + JSON.stringify(links));
    if (links.some((h) => h && h.includes("entries/other/"))) failures.push("searching Grozny listed an unrelated entry");
    failures.push(...problems);
  } finally {
    await browser.close();
  }
  verdict("browser", failures);
}

main().catch((e) => { console.error(e); process.exit(1); });
