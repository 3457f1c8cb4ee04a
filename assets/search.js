/* attest site search. No library, no module syntax, no request but the
 * index (ROOT/search/index.js, which sets window.ATTEST_SEARCH), so it works
 * from a web server and from pages opened from disk.
 *
 * Page contract (see the documentation of attest::index):
 *   <form id="search-form" action="ROOT/search/" role="search">
 *     <input id="search-input" name="q" type="search"></form>
 *   <div id="search-results" aria-live="polite"></div>   (search page only)
 *   <script src="ROOT/search/search.js" data-root="ROOT/" defer></script>
 *
 * The folding below must stay identical to src/index/fold.rs: a test runs
 * both over the same words. */
(function (global) {
  "use strict";

  /* ---- Folding (same rules as src/index/fold.rs) ---- */

  var DROPPED = [0x27, 0x60, 0xb4, 0xb7, 0x2b9, 0x2ba, 0x2bb, 0x2bc, 0x2be, 0x2bf,
    0x2018, 0x2019, 0x201b, 0x201d, 0x2032, 0x2033];

  function isDropped(cp) {
    return DROPPED.indexOf(cp) >= 0;
  }

  function isMark(cp) {
    return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x483 && cp <= 0x489) ||
      (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
      (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
  }

  var SEPARATOR_RANGES = [0x80, 0xbf, 0xd7, 0xd7, 0xf7, 0xf7, 0x37e, 0x37e, 0x387, 0x387,
    0x55a, 0x55f, 0x589, 0x589, 0x5be, 0x5be, 0x5c0, 0x5c0, 0x5c3, 0x5c3, 0x60c, 0x60c,
    0x61b, 0x61b, 0x61f, 0x61f, 0x6d4, 0x6d4, 0x1680, 0x1680, 0x180e, 0x180e,
    0x2000, 0x2bff, 0x2e00, 0x2e7f, 0x3000, 0x303f, 0xfe10, 0xfe1f, 0xfe30, 0xfe6f,
    0xfeff, 0xfeff, 0xff00, 0xff0f, 0xfff0, 0xffff, 0x1f000, 0x1faff];

  function isSeparator(cp) {
    if (cp < 0x80) {
      return !((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a));
    }
    for (var i = 0; i < SEPARATOR_RANGES.length; i += 2) {
      if (cp >= SEPARATOR_RANGES[i] && cp <= SEPARATOR_RANGES[i + 1]) return true;
    }
    return false;
  }

  var LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    "є": "e", "і": "i", "ї": "i", "ґ": "g", "ў": "u",
    "ђ": "d", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dzh", "ѓ": "g", "ќ": "k",
    "ѕ": "dz",
    "ә": "a", "ө": "o", "ү": "u", "ұ": "u", "ң": "n", "ғ": "g", "қ": "k", "һ": "h",
    "ҳ": "h", "җ": "zh", "ҷ": "dzh", "ҹ": "ch", "ҙ": "z", "ҫ": "s",
    "ӏ": "",
    "ѣ": "e", "ѳ": "f", "ѵ": "i",
    "č": "ch", "š": "sh", "ž": "zh", "ŝ": "shch",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ə": "a", "ħ": "h"
  };

  /* Step 1: apostrophes dropped, NFKC, lowercase, letters in Latin. */
  function romanize(s) {
    var kept = "";
    var c, cp;
    for (c of String(s)) {
      if (!isDropped(c.codePointAt(0))) kept += c;
    }
    var lower = kept.normalize("NFKC").toLowerCase();
    var out = "";
    for (c of lower) {
      cp = c.codePointAt(0);
      if (isDropped(cp)) continue;
      if (cp < 0x80) {
        out += c;
      } else if (Object.prototype.hasOwnProperty.call(LETTERS, c)) {
        out += LETTERS[c];
      } else {
        for (var d of c.normalize("NFD")) {
          if (!isMark(d.codePointAt(0))) out += d;
        }
      }
    }
    return out;
  }

  /* Romanised words of a string (step 1, then cut at separators). */
  function romanWords(s) {
    var words = [];
    var cur = "";
    for (var c of romanize(s)) {
      if (isSeparator(c.codePointAt(0))) {
        if (cur) words.push(cur);
        cur = "";
      } else {
        cur += c;
      }
    }
    if (cur) words.push(cur);
    return words;
  }

  function isGlide(c) {
    return c === "i" || c === "y" || c === "j";
  }

  function isVowel(c) {
    return c === "a" || c === "e" || c === "o" || c === "u";
  }

  var START = 0, VOWEL = 1, CONSONANT = 2;

  /* Step 2: one romanised word to its skeleton. */
  function skeleton(word) {
    var w = Array.from(word);
    var out = "";
    var prev = START;
    var i = 0;
    while (i < w.length) {
      var c = w[i];
      if (isGlide(c)) {
        var start = i;
        while (i < w.length && isGlide(w[i])) i++;
        var run = w.slice(start, i);
        var singleY = run.length === 1 && run[0] !== "i";
        var next = i < w.length ? w[i] : null;
        if (next === "e") {
          if (prev === START && singleY && i + 1 < w.length && isVowel(w[i + 1])) {
            out += "y";
          } else if (run.indexOf("i") >= 0) {
            out += "i";
          }
        } else if (next === "a" || next === "u") {
          out += "y";
        } else if (next === "o") {
          if (prev === CONSONANT && singleY) {
            out += "e";
            i++;
            prev = VOWEL;
            continue;
          }
          out += prev === CONSONANT ? "i" : "y";
        } else if (next === null && prev !== START) {
          out += "y";
        } else if (prev === VOWEL) {
          out += "y";
        } else if (run.length === 1) {
          out += run[0] === "i" ? "i" : "y";
        } else {
          out += "i";
        }
        continue;
      }
      var n = i + 1 < w.length ? w[i + 1] : null;
      var step = 1;
      if (c === "c" && n === "h") {
        out += "č";
        step = 2;
      } else if (c === "s" && n === "h") {
        out += "š";
        step = 2;
      } else if (c === "z" && n === "h") {
        out += "ž";
        step = 2;
      } else if (c === "k" && n === "h") {
        out += "h";
        step = 2;
      } else if (c === "c") {
        out += "ts";
      } else if (c === "x") {
        out += "ks";
      } else if (c === "q") {
        out += "k";
      } else {
        out += c;
      }
      prev = isVowel(c) ? VOWEL : CONSONANT;
      i += step;
    }
    return out;
  }

  /* Text to space-separated search keys, as attest::index::fold. */
  function fold(s) {
    return romanWords(s).map(skeleton).join(" ");
  }

  /* ---- Queries ---- */

  var MAX_TERMS = 10;

  /* Keys a word being typed may be the start of: itself, itself before an
   * "h" (Ez -> Ezh), and, for a final i/y/j run, the stem with and
   * without it (Dmi -> dmi, not only dmy). */
  function typingKeys(w) {
    var keys = [skeleton(w)];
    if (/[cszk]$/.test(w)) keys.push(skeleton(w + "h"));
    var m = /^(.*?)([iyj]+)$/.exec(w);
    if (m && m[1]) {
      var stem = skeleton(m[1]);
      keys.push(stem + "y", stem + "i");
      if (/[yj]/.test(m[2])) keys.push(stem);
    }
    return keys.filter(function (k, i) { return k && keys.indexOf(k) === i; });
  }

  function queryTerms(q) {
    var words = romanWords(q).slice(0, MAX_TERMS);
    var terms = [];
    words.forEach(function (w, i) {
      var whole = skeleton(w);
      var keys = i === words.length - 1 ? typingKeys(w) : [whole];
      var same = terms.filter(function (t) { return t.whole === whole; })[0];
      if (same) {
        same.keys = keys.length > same.keys.length ? keys : same.keys;
      } else {
        terms.push({ whole: whole, keys: keys });
      }
    });
    return terms;
  }

  var sortedFor = null;
  var sortedKeys = null;

  function keysOf(index) {
    if (sortedFor !== index) {
      sortedKeys = Object.keys(index.terms).sort();
      sortedFor = index;
    }
    return sortedKeys;
  }

  function lowerBound(arr, key) {
    var lo = 0, hi = arr.length;
    while (lo < hi) {
      var mid = (lo + hi) >>> 1;
      if (arr[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function isIndex(index) {
    return !!index && index.v === 1 && Array.isArray(index.docs) && typeof index.terms === "object";
  }

  /* Runs a query on an index. Returns {total, results: [{id, url, title,
   * section, snippet: [[text, marked], ...]}]}, best first. */
  function search(index, q, limit) {
    limit = limit || 50;
    var none = { total: 0, results: [] };
    if (!isIndex(index)) return none;
    var terms = queryTerms(q);
    if (!terms.length) return none;
    var keys = keysOf(index);
    var matched = new Set();
    var hits = null;
    for (var t = 0; t < terms.length; t++) {
      var term = terms[t];
      var found = new Map();
      var seen = new Set();
      term.keys.forEach(function (k) {
        for (var i = lowerBound(keys, k); i < keys.length && keys[i].lastIndexOf(k, 0) === 0; i++) {
          var key = keys[i];
          if (seen.has(key)) continue;
          seen.add(key);
          matched.add(key);
          var p = index.terms[key];
          for (var j = 0; j + 1 < p.length; j += 2) {
            var h = found.get(p[j]);
            if (!h) {
              h = { title: false, whole: false, weight: 0 };
              found.set(p[j], h);
            }
            h.title = h.title || (p[j + 1] & 1) === 1;
            h.whole = h.whole || key === term.whole;
            h.weight += p[j + 1] >> 1;
          }
        }
      });
      if (hits === null) {
        hits = new Map();
        found.forEach(function (h, id) {
          hits.set(id, { id: id, title: h.title ? 1 : 0, whole: h.whole ? 1 : 0, weight: h.weight });
        });
      } else {
        hits.forEach(function (s, id) {
          var h = found.get(id);
          if (!h) {
            hits.delete(id);
          } else {
            s.title += h.title ? 1 : 0;
            s.whole += h.whole ? 1 : 0;
            s.weight += h.weight;
          }
        });
      }
    }
    var ranked = Array.from(hits.values()).filter(function (s) { return index.docs[s.id]; });
    ranked.sort(function (a, b) {
      return b.title - a.title || b.whole - a.whole || b.weight - a.weight || a.id - b.id;
    });
    return {
      total: ranked.length,
      results: ranked.slice(0, limit).map(function (s) {
        var d = index.docs[s.id];
        return { id: s.id, url: d[0], title: d[1], section: d[2], snippet: snippet(d[3], matched) };
      })
    };
  }

  var SNIPPET_BEFORE = 60;
  var SNIPPET_LENGTH = 220;

  /* The stored text around the first matched word, as [text, marked]
   * parts, with every matched word marked. */
  function snippet(text, matched) {
    var chars = Array.from(text || "");
    var words = [];
    var i = 0;
    while (i < chars.length) {
      var cp = chars[i].codePointAt(0);
      if (isSeparator(cp) && !isDropped(cp)) {
        i++;
        continue;
      }
      var start = i;
      while (i < chars.length && (!isSeparator(chars[i].codePointAt(0)) || isDropped(chars[i].codePointAt(0)))) i++;
      var end = i;
      while (start < end && isDropped(chars[start].codePointAt(0))) start++;
      while (end > start && isDropped(chars[end - 1].codePointAt(0))) end--;
      if (start < end) {
        var hit = fold(chars.slice(start, end).join("")).split(" ").some(function (k) { return matched.has(k); });
        words.push({ start: start, end: end, hit: hit });
      }
    }
    var first = words.filter(function (w) { return w.hit; })[0];
    var from = 0;
    if (first && first.start > SNIPPET_BEFORE) {
      var want = first.start - SNIPPET_BEFORE;
      from = words.filter(function (w) { return w.start >= want; })[0].start;
    }
    var to = Math.min(chars.length, from + SNIPPET_LENGTH);
    if (to < chars.length) {
      var last = words.filter(function (w) { return w.end <= to && w.start >= from; }).pop();
      if (last && last.end > from) to = last.end;
    }
    var parts = [];
    var at = from;
    function push(s, marked) {
      if (!s) return;
      var prev = parts[parts.length - 1];
      if (prev && prev[1] === marked) prev[0] += s; else parts.push([s, marked]);
    }
    if (from > 0) push("… ", false);
    words.forEach(function (w) {
      if (!w.hit || w.start < from || w.end > to) return;
      push(chars.slice(at, w.start).join(""), false);
      push(chars.slice(w.start, w.end).join(""), true);
      at = w.end;
    });
    push(chars.slice(at, to).join(""), false);
    if (to < chars.length) push(" …", false);
    return parts;
  }

  var api = { fold: fold, search: search };
  global.attestSearch = api;

  /* ---- The page ---- */

  var doc = global.document;
  if (!doc || !doc.getElementById) return;
  var script = doc.currentScript;

  function siteRoot(form) {
    var root = script && script.getAttribute("data-root");
    if (root === null && form) root = form.getAttribute("data-root");
    if (root === null && form) {
      var action = form.getAttribute("action") || "";
      var m = /(^|\/)search\/(index\.html)?$/.exec(action);
      if (m) root = action.slice(0, m.index + m[1].length);
    }
    root = root || "";
    if (root && root.charAt(root.length - 1) !== "/") root += "/";
    return root;
  }

  var loading = null;

  function loadIndex(root, done) {
    if (isIndex(global.ATTEST_SEARCH)) {
      done(global.ATTEST_SEARCH);
      return;
    }
    if (loading) {
      loading.push(done);
      return;
    }
    loading = [done];
    var finish = function () {
      var index = isIndex(global.ATTEST_SEARCH) ? global.ATTEST_SEARCH : null;
      var waiting = loading;
      loading = null;
      waiting.forEach(function (f) { f(index); });
    };
    var s = doc.createElement("script");
    s.src = root + "search/index.js";
    s.charset = "utf-8";
    s.onload = finish;
    s.onerror = finish;
    (doc.head || doc.documentElement).appendChild(s);
  }

  function queryFromLocation() {
    var search = (global.location && global.location.search) || "";
    var pairs = search.replace(/^\?/, "").split("&");
    for (var i = 0; i < pairs.length; i++) {
      var eq = pairs[i].indexOf("=");
      var name = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
      if (name !== "q") continue;
      try {
        return decodeURIComponent(pairs[i].slice(eq + 1).replace(/\+/g, " "));
      } catch (e) {
        return "";
      }
    }
    return "";
  }

  /* Messages can be translated with data-none, data-one, data-many,
   * data-first and data-missing on the results container ({n}: results
   * found, {shown}: results shown). */
  function message(results, name, fallback, n, shown) {
    var text = results.getAttribute("data-" + name) || fallback;
    return text.replace("{n}", String(n)).replace("{shown}", String(shown));
  }

  function render(results, root, index, q) {
    while (results.firstChild) results.removeChild(results.firstChild);
    if (!q.trim()) return;
    var p = doc.createElement("p");
    p.className = "search-count";
    if (!index) {
      p.textContent = message(results, "missing", "The search index could not be loaded.", 0);
      results.appendChild(p);
      return;
    }
    var found = search(index, q);
    if (found.total === 0) {
      p.textContent = message(results, "none", "No results.", 0);
    } else if (found.total === 1) {
      p.textContent = message(results, "one", "1 result.", 1);
    } else if (found.total > found.results.length) {
      p.textContent = message(results, "first", "{n} results; the first {shown} are shown.", found.total,
        found.results.length);
    } else {
      p.textContent = message(results, "many", "{n} results.", found.total);
    }
    results.appendChild(p);
    if (!found.results.length) return;
    var list = doc.createElement("ol");
    list.className = "search-list";
    found.results.forEach(function (r) {
      var li = doc.createElement("li");
      var a = doc.createElement("a");
      a.setAttribute("href", root + r.url);
      a.textContent = r.title;
      li.appendChild(a);
      if (r.section) {
        var sec = doc.createElement("span");
        sec.className = "search-section";
        sec.textContent = r.section;
        li.appendChild(doc.createTextNode(" "));
        li.appendChild(sec);
      }
      if (r.snippet.length) {
        var snip = doc.createElement("p");
        snip.className = "search-snippet";
        r.snippet.forEach(function (part) {
          if (part[1]) {
            var mark = doc.createElement("mark");
            mark.textContent = part[0];
            snip.appendChild(mark);
          } else {
            snip.appendChild(doc.createTextNode(part[0]));
          }
        });
        li.appendChild(snip);
      }
      list.appendChild(li);
    });
    results.appendChild(list);
  }

  function start() {
    var form = doc.getElementById("search-form");
    var input = doc.getElementById("search-input");
    var results = doc.getElementById("search-results");
    var root = siteRoot(form);
    var fromDisk = global.location && global.location.protocol === "file:";
    if (form && fromDisk) form.setAttribute("action", root + "search/index.html");
    if (!results) return;
    var q = queryFromLocation();
    if (input && q) input.value = q;
    var run = function (text) {
      loadIndex(root, function (index) {
        if (!input || input.value === text) render(results, root, index, text);
      });
    };
    if (q) run(q);
    if (!input) return;
    var timer = null;
    input.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 120);
    });
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        run(input.value);
        try {
          global.history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
        } catch (err) {
          /* Some browsers refuse history changes on file:// pages. */
        }
      });
    }
  }

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(typeof window !== "undefined" ? window : this);
