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
// Search suggestions by keyboard: Arrow Down from the search field goes to the first customer found, Arrow
// Up and Down move between them, Escape goes back to the field.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("search-suggestions");
    var field = document.getElementById("global-search");
    if (!box || !field || (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape")) { return; }
    var links = Array.prototype.slice.call(box.querySelectorAll("#search-list a"));
    var at = links.indexOf(document.activeElement);
    if (event.target === field && event.key === "ArrowDown" && links.length) {
      event.preventDefault(); links[0].focus();
    } else if (at >= 0 && event.key === "ArrowDown") {
      event.preventDefault(); links[Math.min(at + 1, links.length - 1)].focus();
    } else if (at >= 0 && event.key === "ArrowUp") {
      event.preventDefault(); if (at === 0) { field.focus(); } else { links[at - 1].focus(); }
    } else if (at >= 0 && event.key === "Escape") {
      field.focus();
    }
  });
})();
// Record a visit: show only the details the chosen kind of visit has (elements marked data-visit-kinds); without
// this script every detail stays visible and the API says which do not belong.
(function () {
  "use strict";
  function showDetails(select) {
    var form = select.form;
    if (!form) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-visit-kinds]"), function (part) {
      var shown = part.getAttribute("data-visit-kinds").split(" ").indexOf(select.value) >= 0;
      part.hidden = !shown;
      // a detail hidden is not sent either (parts come in document order: a fieldset before what it holds)
      Array.prototype.forEach.call(part.querySelectorAll("input, select, textarea"), function (field) {
        field.disabled = !shown;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "visit-kind") { showDetails(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("visit-kind");
    if (select) { showDetails(select); }
  });
})();

// Keyboard: "?" lists the shortcuts; "j" and "k" move to the next and previous row of the page's list (a table's
// rows, Today's tasks, a list group), focusing the row's first link, which Enter then opens.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function rows() {
    var found = document.querySelectorAll("main table tbody tr, main article, main .list-group-item");
    return Array.prototype.filter.call(found, function (row) { return row.querySelector("a[href]"); });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help && typeof help.showModal === "function") { event.preventDefault(); help.showModal(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") { return; }
    var list = rows();
    if (!list.length) { return; }
    var current = list.findIndex(function (row) { return row.contains(document.activeElement); });
    var next = event.key === "j" ? Math.min(current + 1, list.length - 1) : Math.max(current - 1, 0);
    if (current === -1) { next = 0; }
    var link = list[next].querySelector("a[href]");
    event.preventDefault();
    link.focus();
    list[next].scrollIntoView({block: "nearest"});
  });
})();

// Working in bulk: a list's "choose every row on this page" box ticks or unticks every row's box of its bulk form.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || !box.classList || !box.classList.contains("bulk-tick-page")) { return; }
    var form = box.getAttribute("data-bulk-form");
    Array.prototype.forEach.call(document.querySelectorAll("input.bulk-tick[form='" + form + "']"), function (tick) {
      tick.checked = box.checked;
    });
  });
})();
