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

// Live updates. A region of a screen marked data-live-on (the kinds of event it shows: "complaint." and the like)
// and, optionally, data-live-where ("customer_id=… owner=…": what the event must be about) is refreshed in place,
// from the page's own address, when such an event arrives on the stream the <meta name="console-live"> names. A
// region holding a field the person is typing in (focused or changed) is never replaced, even when they started
// typing while its refresh was on its way: a notice beside it offers the refresh instead. While the stream is
// unavailable, the regions are refreshed every data-poll-seconds instead, until it comes back. <html data-live-state> says which: "connecting", "open" or "polling".
(function () {
  "use strict";
  var DEBOUNCE_MS = 300;
  var LIVE_HEADER = "X-Live-Refresh";  // a refresh the person did not ask for: "event" or "clock" (why it came)
  var meta = document.querySelector('meta[name="console-live"]');
  var root = document.documentElement;
  var timers = {};
  var source = null;
  var poller = null;
  var everOpen = false;

  function regions() { return Array.prototype.slice.call(document.querySelectorAll("[data-live-on][id]")); }

  function words(text) { return (text || "").split(/\s+/).filter(Boolean); }

  function shows(region, event) {
    var kinds = words(region.getAttribute("data-live-on"));
    if (!kinds.some(function (kind) { return event.type.indexOf(kind) === 0; })) { return false; }
    return words(region.getAttribute("data-live-where")).every(function (pair) {
      var at = pair.indexOf("=");
      return event[pair.slice(0, at)] === pair.slice(at + 1);
    });
  }

  function changed(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") { return false; }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    if (field.tagName === "SELECT") {
      var options = Array.prototype.slice.call(field.options);
      var chosen = options.filter(function (option) { return option.defaultSelected; });
      if (!chosen.length && !field.multiple && options.length) { chosen = [options[0]]; }
      return options.some(function (option) { return option.selected !== (chosen.indexOf(option) >= 0); });
    }
    return field.value !== field.defaultValue;
  }

  // Whether the person is typing in the region: a field of it has the focus or holds what they changed, or they
  // opened a folded form in it.
  function busy(region) {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    if (Array.prototype.some.call(region.querySelectorAll("input, textarea, select"), changed)) { return true; }
    // a folded form the person has opened (to fill it in) stays open
    return Array.prototype.some.call(region.querySelectorAll("details[open]"), function (part) {
      return part.querySelector("form");
    });
  }

  // Whether `region` is left as it is because the person is typing in it; then a notice offers the refresh, unless
  // it came by the clock (`why` "clock": it does not know whether anything changed).
  function kept(region, why) {
    if (!busy(region)) { return false; }
    if (why !== "clock") { offer(region); }
    return true;
  }

  // Refresh `region` from the page's address. `why`: "event" or "clock" for a refresh the person did not ask
  // for, which is checked again when it arrives (they may have started typing meanwhile); none when they asked
  // for it (the notice's button), which replaces what they typed.
  function load(region, why) {
    var notice = document.querySelector('[data-live-notice-for="' + region.id + '"]');
    if (notice) { notice.remove(); }
    var headers = {};
    if (why) { headers[LIVE_HEADER] = why; }
    window.htmx.ajax("GET", window.location.href, {target: "#" + region.id, select: "#" + region.id,
                                                   swap: "outerHTML", headers: headers});
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var why = config && config.headers && config.headers[LIVE_HEADER];
    if (why && kept(event.detail.target, why)) { event.detail.shouldSwap = false; }
  });

  function offer(region) {
    if (document.querySelector('[data-live-notice-for="' + region.id + '"]')) { return; }
    var notice = document.createElement("div");
    notice.className = "alert alert-info py-1 px-2 d-flex align-items-center gap-2 live-notice";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-live-notice-for", region.id);
    var text = document.createElement("span");
    text.textContent = meta.getAttribute("data-updated-text");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-primary";
    button.textContent = meta.getAttribute("data-refresh-text");
    button.addEventListener("click", function () {
      var current = document.getElementById(region.id);
      if (current) { load(current); }
    });
    notice.appendChild(text);
    notice.appendChild(button);
    region.parentNode.insertBefore(notice, region);
  }

  // Refresh a region soon (several events in a row make one refresh); `quietly`: by the clock (see `kept`).
  function refresh(region, quietly) {
    clearTimeout(timers[region.id]);
    timers[region.id] = setTimeout(function () {
      var current = document.getElementById(region.id);
      if (!current) { return; }
      var why = quietly ? "clock" : "event";
      if (!kept(current, why)) { load(current, why); }
    }, DEBOUNCE_MS);
  }

  function refreshAll(quietly) { regions().forEach(function (region) { refresh(region, quietly); }); }

  function startPolling() {
    root.setAttribute("data-live-state", "polling");
    if (poller) { return; }
    var seconds = parseFloat(meta.getAttribute("data-poll-seconds")) || 30;
    poller = setInterval(function () { refreshAll(true); }, seconds * 1000);
  }

  function stopPolling() {
    clearInterval(poller);
    poller = null;
  }

  function streamAddress() {
    var found = regions();
    var families = {};
    var customers = {};
    found.forEach(function (region) {
      words(region.getAttribute("data-live-on")).forEach(function (kind) { families[kind.split(".")[0]] = true; });
      words(region.getAttribute("data-live-where")).forEach(function (pair) {
        if (pair.indexOf("customer_id=") === 0) { customers[pair.slice("customer_id=".length)] = true; }
      });
    });
    var query = Object.keys(families).map(function (family) { return "on=" + encodeURIComponent(family); })
      .concat(Object.keys(customers).map(function (id) { return "customer=" + encodeURIComponent(id); }));
    var address = meta.getAttribute("content");
    return address + (address.indexOf("?") >= 0 ? "&" : "?") + query.join("&");
  }

  function open() {
    root.setAttribute("data-live-state", "connecting");
    source = new window.EventSource(streamAddress(), {withCredentials: true});
    source.addEventListener("open", function () {
      root.setAttribute("data-live-state", "open");
      if (poller || everOpen) { refreshAll(false); }  // back after a gap: catch up on what was missed
      everOpen = true;
      stopPolling();
    });
    source.addEventListener("update", function (message) {
      var event = JSON.parse(message.data);
      regions().forEach(function (region) { if (shows(region, event)) { refresh(region, false); } });
    });
    source.addEventListener("resync", function () { refreshAll(false); });
    source.addEventListener("error", function () {
      startPolling();
      if (source.readyState === window.EventSource.CLOSED) {  // refused (signed out, say): try again later
        source = null;
        setTimeout(open, (parseFloat(meta.getAttribute("data-poll-seconds")) || 30) * 1000);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!meta || !regions().length) { return; }
    if (!meta.getAttribute("content") || typeof window.EventSource !== "function") { startPolling(); return; }
    open();
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
// What a person typed into the search before the page's scripts were ready still brings suggestions: once htmx
// has set up the page, a search field whose text differs from what the page was sent with asks for them.
(function () {
  "use strict";
  if (typeof htmx === "undefined") { return; }
  htmx.onLoad(function (element) {
    var field = document.getElementById("global-search");
    if (element === document.body && field && field.value !== field.defaultValue) { htmx.trigger(field, "search"); }
  });
})();
