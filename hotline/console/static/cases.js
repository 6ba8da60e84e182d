// Casework pages without a reload per action: tip-page forms post in the background and the
// page's cards are swapped in place; the queue refreshes itself and alerts on a new crisis tip.
(function () {
  "use strict";

  // Moves the fresh node out of the parsed document into the page.
  function swap(html, selector) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    if (fresh && old) old.replaceWith(fresh);
    return doc;
  }

  // --- the tip page: every post form answers in place ------------------------------------
  function wireTip() {
    if (!document.querySelector(".tipgrid")) return;
    // On the document, not the grid: the grid itself is replaced after every answer.
    document.addEventListener("submit", function (ev) {
      var form = ev.target;
      if (!(form instanceof HTMLFormElement) || !form.closest(".tipgrid")) return;
      if (form.method.toLowerCase() !== "post") return;
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) {
          return r.text().then(function (html) { return { url: r.url, html: html }; });
        })
        .then(function (res) {
          var y = window.scrollY;
          var doc = swap(res.html, ".tipgrid");
          var err = doc.querySelector("p.error");
          var shown = document.querySelector("p.error");
          if (shown) shown.remove();
          if (err) document.querySelector(".tipgrid").before(err);
          history.replaceState(null, "", res.url);
          window.scrollTo(0, y);
          document.dispatchEvent(new CustomEvent("tip:updated"));
        });
    });
  }

  // --- the queue: refresh every 20 s, alert when a crisis tip appears -----------------------
  function crisisIds(root) {
    var ids = {};
    root.querySelectorAll("#queue tr.u-crisis[data-tip]").forEach(function (tr) {
      ids[tr.dataset.tip] = true;
    });
    return ids;
  }

  function wireQueue() {
    var card = document.getElementById("queue-card");
    if (!card) return;
    var known = crisisIds(document);
    function refresh() {
      fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          swap(html, "#queue");
          swap(html, "#queue-total");
          var fresh = crisisIds(document);
          var added = Object.keys(fresh).filter(function (id) { return !known[id]; });
          known = fresh;
          if (added.length) {
            var alert = document.getElementById("live-alert");
            alert.textContent = card.dataset.live + ": #" + added.join(", #");
            alert.hidden = false;
            document.title = "🔴 " + document.title.replace(/^🔴 /, "");
          }
        });
    }
    var every = Number(card.dataset.refreshMs || 20000);
    window.setInterval(refresh, every);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refresh();
    });
  }

  wireTip();
  wireQueue();
})();
