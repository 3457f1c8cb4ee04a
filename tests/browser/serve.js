// Opens `attest serve` in headless Chromium as a reader and as an editor
// would: the entry page loads without console errors and asks no other
// host for anything; the search page, without scripts, finds the entry that
// says Грозный when the reader types Grozny; and when the editor saves a
// broken citation, the open page reloads and shows the error over itself,
// then clears it when the file is fixed.
//
// usage: node tests/browser/serve.js BASE_URL PROJECT_DIR OUT_DIR
"use strict";
const path = require("path");
const fs = require("fs");
const { launch, watchedPage, verdict } = require("./common");

const [base, projectArg, outArg] = process.argv.slice(2);
const project = path.resolve(projectArg);
const outDir = path.resolve(outArg);
const origin = new URL(base).origin;

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  const failures = [];
  const entryFile = path.join(project, "entries/chechens-ingush-1944.md");
  const original = fs.readFileSync(entryFile, "utf8");
  try {
    const problems = [];
    const page = await watchedPage(browser, problems, (u) => u.startsWith(origin + "/") || u.startsWith("data:"));

    await page.goto(base + "/entries/chechens-ingush-1944/", { waitUntil: "load" });
    for (const sel of ["#figures table.ledger", "#events svg", "#cite .how-to-cite", ".references li"]) {
      if (!(await page.$(sel))) failures.push("the served entry page has no " + sel);
    }
    await page.screenshot({ path: path.join(outDir, "serve-entry.png"), fullPage: true });

    // The editor saves a broken citation: the page reloads with the error over it.
    fs.writeFileSync(entryFile, original.replace("[@", "[@nosuchwork2099; @"));
    const overlay = await page.waitForSelector(".attest-overlay", { timeout: 20000 }).catch(() => null);
    if (!overlay) {
      failures.push("no error overlay after saving a broken citation");
    } else {
      const t = await overlay.textContent();
      if (!t.includes("nosuchwork2099") || !t.includes("entries/chechens-ingush-1944.md:")) {
        failures.push("the overlay does not name the key and the file:line: " + t);
      }
      await page.screenshot({ path: path.join(outDir, "serve-overlay.png") });
    }
    fs.writeFileSync(entryFile, original);
    const cleared = await page.waitForFunction(() => !document.querySelector(".attest-overlay"), null, { timeout: 20000 })
      .then(() => true).catch(() => false);
    if (!cleared) failures.push("the overlay stayed after the citation was fixed");

    // Search without scripts: the server answers /search?q=.
    const reader = await browser.newContext({ javaScriptEnabled: false });
    const p2 = await reader.newPage();
    await p2.goto(base + "/search/?q=Grozny", { waitUntil: "load" });
    const links = await p2.$$eval(".search-results a", (as) => as.map((a) => a.getAttribute("href")));
    if (!links.some((h) => h && h.includes("entries/chechens-ingush-1944/"))) {
      failures.push("searching Grozny (no scripts) did not list the entry: " + JSON.stringify(links));
    }
    await p2.screenshot({ path: path.join(outDir, "serve-search.png") });
    await reader.close();
    failures.push(...problems);
  } finally {
    fs.writeFileSync(entryFile, original);
    await browser.close();
  }
  verdict("browser (serve)", failures);
}

main().catch((e) => { console.error(e); process.exit(1); });
