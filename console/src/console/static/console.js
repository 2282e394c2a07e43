// The console's only script besides htmx (no inline scripts: the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // "/" focuses the global search from anywhere, unless the person is typing in a field.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (typing) { return; }
    var search = document.getElementById("global-search");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  });
  // Escape closes the search suggestions.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var box = document.getElementById("search-suggestions");
      if (box) { box.innerHTML = ""; }
    }
  });
})();
