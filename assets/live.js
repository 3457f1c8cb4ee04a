// attest serve: reloads the page when the project changes, and shows the
// checker's errors over the page. Loaded only while `attest serve` watches a
// folder; built with DOM calls, never with HTML strings.
(function () {
  "use strict";
  var box = null;

  function show(status) {
    if (box) { box.remove(); box = null; }
    var errors = (status.problems || []).filter(function (p) { return p.severity === "error"; });
    if (!errors.length && !status.failure) { return; }
    box = document.createElement("section");
    box.className = "attest-overlay";
    // Styled through the CSSOM, which the pages' policy allows (a style
    // attribute in markup would not be), so no theme has to know of it.
    var s = box.style;
    s.position = "fixed"; s.left = "1rem"; s.right = "1rem"; s.bottom = "1rem"; s.zIndex = "2147483647";
    s.maxHeight = "50vh"; s.overflow = "auto"; s.padding = "1rem 1.25rem"; s.font = "14px/1.45 system-ui, sans-serif";
    s.background = "#fff5f5"; s.color = "#1a1a1a"; s.border = "2px solid #b00020"; s.borderRadius = "6px";
    s.boxShadow = "0 4px 18px rgba(0,0,0,.25)";
    box.setAttribute("role", "alert");
    var h = document.createElement("h2");
    h.textContent = status.failure ? "The project could not be reloaded" :
      (errors.length === 1 ? "1 error in the project" : errors.length + " errors in the project");
    h.style.margin = "0 0 .5rem";
    box.appendChild(h);
    if (status.failure) {
      var p = document.createElement("p");
      p.textContent = status.failure;
      box.appendChild(p);
    }
    var list = document.createElement("ol");
    errors.forEach(function (e) {
      var li = document.createElement("li");
      var where = document.createElement("code");
      where.className = "where";
      where.textContent = (e.file || "project") + (e.line ? ":" + e.line + ":" + e.column : "");
      li.appendChild(where);
      li.appendChild(document.createTextNode(" " + e.message + " "));
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = "[" + e.code + "]";
      li.appendChild(code);
      if (e.hint) {
        var hint = document.createElement("div");
        hint.className = "hint";
        hint.textContent = "hint: " + e.hint;
        li.appendChild(hint);
      }
      list.appendChild(li);
    });
    box.appendChild(list);
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Hide";
    close.addEventListener("click", function () { if (box) { box.remove(); box = null; } });
    box.appendChild(close);
    document.body.appendChild(box);
  }

  function status() {
    fetch("/_attest/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(show)
      .catch(function () {});
  }

  status();
  if (!window.EventSource) { return; }
  var source = new EventSource("/_attest/events");
  source.addEventListener("reload", function () { window.location.reload(); });
  source.addEventListener("failed", status);
})();
