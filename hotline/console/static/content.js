// Live preview of an awareness piece as chat bubbles, with a counter per part.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var preview = document.getElementById("preview");
  if (!body || !preview) return;
  var title = document.getElementById("title");
  var counter = document.getElementById("counter");
  var max = parseInt(body.dataset.max || "700", 10);
  var SEP = /^\s*<!--\s*more\s*-->\s*$/m;

  function parts() {
    return body.value.split(SEP).map(function (p) { return p.trim(); }).filter(Boolean);
  }

  function render() {
    var list = parts();
    var over = 0;
    preview.textContent = "";
    list.forEach(function (text, i) {
      var b = document.createElement("div");
      b.className = "bubble" + (text.length > max ? " over" : "");
      if (text.length > max) over += 1;
      var head = document.createElement("strong");
      head.textContent = title ? title.value : "";
      b.appendChild(head);
      b.appendChild(document.createTextNode("\n\n" + text + "\n\n(" + (i + 1) + "/" + list.length + ")"));
      var count = document.createElement("span");
      count.className = "count";
      count.textContent = text.length + " / " + max;
      b.appendChild(count);
      preview.appendChild(b);
    });
    if (counter) {
      counter.textContent = (counter.dataset.label || "") + " " + list.length +
        (over ? " · " + (preview.dataset.over || "") + " " + over : "");
      counter.className = over ? "small error" : "small";
    }
  }

  var add = document.getElementById("add-part");
  if (add) {
    add.addEventListener("click", function () {
      body.value = body.value.replace(/\s+$/, "") + "\n\n<!-- more -->\n\n";
      body.focus();
      render();
    });
  }
  body.addEventListener("input", render);
  if (title) title.addEventListener("input", render);
  render();
})();
