// Live preview of a campaign message as the chat bubble subscribers will see, with its buttons.
(function () {
  "use strict";
  var preview = document.getElementById("preview");
  var form = document.getElementById("campaign-form");
  if (!preview || !form) return;

  function value(id) {
    var el = document.getElementById(id);
    return el ? el.value.trim() : "";
  }

  function checked(name) {
    var el = document.querySelector("input[name=" + name + "]:checked");
    return el ? el.value : "";
  }

  function buttons(lang) {
    var out = [];
    document.querySelectorAll(".button-row").forEach(function (row) {
      var i = row.dataset.index;
      var target = value("button" + i + "_target");
      if (!target) return;
      var vi = value("button" + i + "_title_vi");
      var title = (lang === "en" && value("button" + i + "_title_en")) || vi;
      out.push({ title: title || "…", command: "/" + target.replace(":", " ") });
    });
    return out;
  }

  function render() {
    var lang = checked("preview_lang") || "vi";
    var channel = checked("preview_channel") || "telegram";
    var text = (lang === "en" && value("message_en")) || value("message_vi");
    preview.textContent = "";
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.id = "preview-bubble";
    if (!text) {
      bubble.classList.add("muted");
      bubble.textContent = preview.dataset.empty || "";
      preview.appendChild(bubble);
      return;
    }
    var list = buttons(lang);
    var body = text;
    if (channel === "zalo" && list.length) {
      // Zalo has no keyboards: buttons become numbered lines, answered by typing the number.
      body += "\n\n" + list.map(function (b, i) { return (i + 1) + ". " + b.title; }).join("\n");
      body += "\n\n" + (preview.dataset.hint || "");
    }
    body += "\n\n" + (preview.dataset["footer" + (lang === "en" ? "En" : "Vi")] || "");
    bubble.textContent = body;
    preview.appendChild(bubble);
    if (channel === "telegram" && list.length) {
      var keys = document.createElement("div");
      keys.className = "chat-buttons";
      keys.id = "preview-buttons";
      list.forEach(function (b) {
        var key = document.createElement("span");
        key.className = "chat-button";
        key.textContent = b.title;
        key.title = b.command;
        keys.appendChild(key);
      });
      preview.appendChild(keys);
    }
  }

  function schedule() {
    var kind = checked("schedule") || "now";
    var at = document.getElementById("when-at");
    var yearly = document.getElementById("when-yearly");
    if (at) at.hidden = kind !== "at";
    if (yearly) yearly.hidden = kind !== "yearly";
  }

  // Live audience: a COUNT on the server for the segment as ticked now (no identities).
  var live = document.getElementById("audience-live");
  var pending = null;
  function audience() {
    if (!live) return;
    var params = new URLSearchParams();
    ["channels", "languages", "topics", "age_bands"].forEach(function (name) {
      document.querySelectorAll("input[name=" + name + "]:checked").forEach(function (el) {
        params.append(name, el.value);
      });
    });
    var provinces = document.getElementById("provinces");
    if (provinces) {
      Array.prototype.forEach.call(provinces.selectedOptions, function (o) {
        params.append("provinces", o.value);
      });
    }
    fetch("/console/campaigns/audience?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || typeof body.audience !== "number") return;
        var n = body.audience.toLocaleString("vi-VN");
        live.textContent = live.dataset.template.replace("{n}", n) +
          (body.audience === 0 ? " " + live.dataset.empty : "");
        live.dataset.count = String(body.audience);
        live.className = body.audience === 0 ? "small error" : "small";
      });
  }
  function audienceSoon() {
    clearTimeout(pending);
    pending = setTimeout(audience, 250);
  }

  form.addEventListener("input", render);
  form.addEventListener("change", function () { render(); schedule(); audienceSoon(); });
  document.querySelectorAll("input[name=preview_lang], input[name=preview_channel]").forEach(
    function (el) { el.addEventListener("change", render); }
  );
  render();
  schedule();
  audience();
})();
