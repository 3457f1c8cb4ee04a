// What the browser checks share: Debian's Chromium started the way this
// machine allows (no background networking, no sandbox as root), a page
// that records console errors, and the verdict printed for CI.
"use strict";
const { chromium } = require("playwright-core");

exports.launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

// A page whose console errors, script errors and requests that `allowed`
// refuses are pushed to `problems`.
exports.watchedPage = async (browser, problems, allowed) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => { if (!allowed(r.url())) problems.push("request to " + r.url()); });
  return page;
};

exports.verdict = (label, failures) => {
  if (failures.length) {
    console.error(label + " failed:\n  " + failures.join("\n  "));
    process.exit(1);
  }
  console.log(label + ": 1 passed, 0 failed");
};
