// The editorial workflow in headless Chromium against `attest serve` on a
// copy of the sample: an author signs in, edits the published case study,
// sees the checker's diagnostic appear as they type a broken citation,
// fixes it, saves (a new draft the public does not see) and submits it; an
// editor signs in and publishes it; the public page then shows the new
// text and today's date as its last modification.
//
// usage: node tests/browser/editorial.js BASE_URL OUT_DIR
// The server's accounts: `amos` (author, given the entry) and `ed`
// (editor), both with the password in ATTEST_TEST_PASSWORD.
"use strict";
const path = require("path");
const fs = require("fs");
const { launch, watchedPage, verdict } = require("./common");

const [base, outArg] = process.argv.slice(2);
const outDir = path.resolve(outArg);
const origin = new URL(base).origin;
const password = process.env.ATTEST_TEST_PASSWORD;
const slug = "chechens-ingush-1944";
const added = "This sentence was added in the editorial browser test.";
const today = new Date().toISOString().slice(0, 10);

async function signIn(browser, problems, name) {
  const page = await watchedPage(browser, problems, (u) => u.startsWith(origin + "/"));
  await page.goto(base + "/login", { waitUntil: "load" });
  await page.fill("#name", name);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  return page;
}

// The public page as a reader without scripts gets it: the live-reload
// script would otherwise reload it under our feet when the server reloads.
async function publicPage(browser) {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const p = await ctx.newPage();
  const res = await p.goto(base + "/entries/" + slug + "/", { waitUntil: "load" });
  const html = await p.content();
  await ctx.close();
  return { status: res.status(), html };
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const browser = await launch();
  const failures = [];
  const problems = [];
  try {
    // The author edits; the check answers while they type.
    const author = await signIn(browser, problems, "amos");
    await author.goto(base + "/edit/entries/" + slug, { waitUntil: "load" });
    const original = await author.inputValue("#text");
    await author.fill("#text", original.replace("[@", "[@nosuchwork2099; @"));
    const diag = await author.waitForSelector("#live-diagnostics li.error", { timeout: 20000 }).catch(() => null);
    if (!diag) {
      failures.push("no diagnostic appeared while typing a broken citation");
    } else {
      const t = await diag.textContent();
      if (!t.includes("nosuchwork2099") || !t.includes("citation.unresolved") || !/line \d+, column \d+/.test(t)) {
        failures.push("the live diagnostic does not name the key, code and line: " + t);
      }
    }
    await author.screenshot({ path: path.join(outDir, "editorial-diagnostic.png"), fullPage: false });
    const fixed = original.replace("\n## Bibliography", "\n" + added + "\n\n## Bibliography");
    await author.fill("#text", fixed);
    // The sample's warnings (unverified values) stay; the error goes.
    const cleared = await author.waitForFunction(() => {
      const box = document.getElementById("live-diagnostics");
      return box.children.length > 0 && !box.querySelector("li.error");
    }, null, { timeout: 20000 }).then(() => true).catch(() => false);
    if (!cleared) failures.push("the diagnostic did not clear once the citation was fixed");
    await author.fill("#message", "one more sentence");
    await Promise.all([author.waitForNavigation(), author.click("button[value=save]")]);
    if (!(await author.content()).includes("new draft")) failures.push("the save did not say it made a new draft");
    let pub = await publicPage(browser);
    if (pub.html.includes(added)) failures.push("the public saw the author's draft");
    await Promise.all([author.waitForNavigation(), author.click("button[value=submit]")]);
    if (!(await author.content()).includes("Submitted for review")) failures.push("submitting did not say so");
    if (await author.$("button[value=publish]")) failures.push("the author was offered Publish");

    // The editor publishes.
    const editor = await signIn(browser, problems, "ed");
    await editor.goto(base + "/edit/", { waitUntil: "load" });
    if (!(await editor.$(`a[href="/edit/entries/${slug}"]`))) failures.push("the entry is not on the editor's list");
    await editor.goto(base + "/edit/entries/" + slug, { waitUntil: "load" });
    await Promise.all([editor.waitForNavigation(), editor.click("button[value=publish]")]);
    if (!(await editor.content()).includes("Published")) failures.push("publishing did not say so");

    // The public page follows once the server has reloaded.
    const until = Date.now() + 30000;
    do {
      pub = await publicPage(browser);
      if (pub.html.includes(added)) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < until);
    if (!pub.html.includes(added)) failures.push("the published text did not reach the public page");
    const modified = /<dt>Last modified<\/dt><dd><time datetime="([^"]+)"/.exec(pub.html);
    if (!modified || modified[1] !== today) {
      failures.push("the public page does not show today (" + today + ") as modified: " + (modified && modified[1]));
    }
    if (!/<dt>Published<\/dt><dd><time datetime="2026-01-01"/.test(pub.html)) {
      failures.push("the first publication date changed");
    }
    await editor.goto(base + "/entries/" + slug + "/", { waitUntil: "load" });
    await editor.screenshot({ path: path.join(outDir, "editorial-published.png") });
    failures.push(...problems);
  } finally {
    await browser.close();
  }
  verdict("browser (editorial)", failures);
}

main().catch((e) => { console.error(e); process.exit(1); });
