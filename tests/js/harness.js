// Runs the search script as the tests in tests/it/search.rs ask, with Node
// and no dependency. Reads one JSON request on stdin, writes one JSON answer:
//
//   {"script": path, "index": path or null, "fold": [text...], "search": [query...]}
//     -> {"fold": [folded...], "search": [{total, results}...]}
//   {"script": path, "index": path or null, "page": {search, scriptRoot, formRoot,
//    action, protocol, loads: true|false}}
//     -> {"action": form action after start, "requested": [script src...],
//         "results": the results container as a tree, "errors": [...]}
//
// Scripts run in a fresh context whose `window` is a plain object, as on a
// page; the page mode adds a small fake DOM (just what search.js touches).
"use strict";
const fs = require("fs");
const vm = require("vm");

const req = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};

function run(context, path) {
  vm.runInContext(fs.readFileSync(path, "utf8"), context, { filename: path });
}

class Node {
  constructor(tag) {
    this.tagName = tag;
    this.attrs = {};
    this.children = [];
    this.listeners = {};
    this.className = "";
    this.text = "";
    this.value = "";
  }
  getAttribute(name) {
    return Object.prototype.hasOwnProperty.call(this.attrs, name) ? this.attrs[name] : null;
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  appendChild(child) {
    this.children.push(child);
    if (this.onAppend) this.onAppend(child);
    return child;
  }
  removeChild(child) {
    this.children.splice(this.children.indexOf(child), 1);
    return child;
  }
  get firstChild() {
    return this.children[0] || null;
  }
  set textContent(value) {
    this.children = [];
    this.text = String(value);
  }
  addEventListener(type, f) {
    this.listeners[type] = f;
  }
  tree() {
    if (this.tagName === "#text") return this.text;
    const node = { tag: this.tagName };
    if (this.className) node.class = this.className;
    if (Object.keys(this.attrs).length) node.attrs = this.attrs;
    if (this.text) node.text = this.text;
    if (this.children.length) node.children = this.children.map((c) => c.tree());
    return node;
  }
}

if (req.fold || req.search) {
  const window = {};
  const context = vm.createContext({ window });
  run(context, req.script);
  if (req.index) run(context, req.index);
  const api = window.attestSearch;
  if (req.fold) out.fold = req.fold.map((s) => api.fold(s));
  if (req.search) out.search = req.search.map((q) => api.search(window.ATTEST_SEARCH, q));
}

if (req.page) {
  const p = req.page;
  const requested = [];
  const errors = [];
  const head = new Node("head");
  const form = new Node("form");
  form.setAttribute("action", p.action);
  if (p.formRoot !== null) form.setAttribute("data-root", p.formRoot);
  const input = new Node("input");
  const results = new Node("div");
  const current = new Node("script");
  if (p.scriptRoot !== null) current.setAttribute("data-root", p.scriptRoot);
  const byId = { "search-form": form, "search-input": input, "search-results": results };
  const document = {
    readyState: "complete",
    currentScript: current,
    head,
    documentElement: new Node("html"),
    getElementById: (id) => byId[id] || null,
    createElement: (tag) => new Node(tag),
    createTextNode: (text) => {
      const n = new Node("#text");
      n.text = String(text);
      return n;
    },
    addEventListener: () => {},
  };
  const window = {
    document,
    location: { search: p.search, protocol: p.protocol },
    history: { replaceState: () => {} },
  };
  const context = vm.createContext({ window, setTimeout, clearTimeout });
  head.onAppend = (s) => {
    requested.push(s.src);
    // Load the index (or fail to), as a browser would, after the call returns.
    setImmediate(() => {
      try {
        if (p.loads && req.index) {
          run(context, req.index);
          s.onload();
        } else {
          s.onerror();
        }
      } catch (e) {
        errors.push(String(e && e.stack));
      }
    });
  };
  try {
    run(context, req.script);
  } catch (e) {
    errors.push(String(e && e.stack));
  }
  setImmediate(() =>
    setImmediate(() => {
      out.action = form.getAttribute("action");
      out.input = input.value;
      out.requested = requested;
      out.results = results.tree();
      out.errors = errors;
      process.stdout.write(JSON.stringify(out));
    }),
  );
} else {
  process.stdout.write(JSON.stringify(out));
}
