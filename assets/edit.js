// attest serve: checks an entry's source as it is typed in the edit form.
// A second after the last keystroke the text goes to the form's check
// address, and the diagnostics replace the list above the form. Without
// this script the form's Check button does the same. Built with DOM calls,
// never with HTML strings.
(function () {
  "use strict";
  var form = document.querySelector("form.edit[data-check]");
  var box = document.getElementById("live-diagnostics");
  if (!form || !box || !window.fetch) { return; }
  var text = form.querySelector("textarea[name=text]");
  var timer = null, asked = 0;

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content) { e.textContent = content; }
    return e;
  }

  function show(answer) {
    box.textContent = "";
    var problems = answer.problems || [];
    if (answer.error) {
      box.appendChild(el("p", "error", answer.error));
      return;
    }
    if (!problems.length) {
      box.appendChild(el("p", "check-ok", "The check finds nothing to report in this file."));
      return;
    }
    var errors = problems.filter(function (p) { return p.severity === "error"; });
    var warnings = problems.length - errors.length;
    box.appendChild(el("p", "check-summary", errors.length + (errors.length === 1 ? " error, " : " errors, ") +
      warnings + (warnings === 1 ? " warning" : " warnings") + " in this file" +
      (errors.length ? ": errors first, they block saving." : ".")));
    var ul = el("ul", "diagnostics");
    // Errors first: they are what stops a save.
    errors.concat(problems.filter(function (p) { return p.severity !== "error"; })).forEach(function (p) {
      var li = el("li", p.severity);
      var at = p.line ? "line " + p.line + ", column " + p.column + ": " : "";
      li.appendChild(document.createTextNode(p.severity + ": " + at + p.message + " "));
      li.appendChild(el("code", null, p.code));
      if (p.hint) {
        li.appendChild(document.createElement("br"));
        li.appendChild(el("small", null, p.hint));
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function check() {
    var mine = ++asked;
    var body = new URLSearchParams();
    body.set("text", text.value);
    fetch(form.getAttribute("data-check"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === asked) { show(answer); } })
      .catch(function () { /* the Check button still works */ });
  }

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 1000);
  });
})();
