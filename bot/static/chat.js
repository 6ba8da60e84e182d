// Web chat client: a random session id in localStorage, nothing else about the user.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");

  function newId() {
    var a = new Uint8Array(18);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var sessionId = localStorage.getItem("cg_session");
  if (!sessionId || !/^[A-Za-z0-9_-]{8,128}$/.test(sessionId)) {
    sessionId = newId();
    localStorage.setItem("cg_session", sessionId);
  }

  function add(cls, text) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text; // never innerHTML: replies may quote user text
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function render(messages) {
    messages.forEach(function (m) {
      var div = add("bot", m.text);
      if (m.buttons && m.buttons.length) {
        var row = document.createElement("div");
        row.className = "buttons";
        m.buttons.forEach(function (b) {
          var btn = document.createElement("button");
          btn.type = "button";
          btn.textContent = b.title;
          btn.addEventListener("click", function () { send({ payload: b.payload }, b.title); });
          row.appendChild(btn);
        });
        div.appendChild(row);
      }
    });
  }

  var busy = false;
  function send(body, shown) {
    if (busy) return;
    busy = true;
    if (shown) add("me", shown);
    var typing = add("bot typing", "…");
    body.session_id = sessionId;
    fetch("/webchat/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 429) return { messages: [{ text: "Bạn gửi hơi nhanh, chờ vài giây rồi thử lại nhé.", buttons: [] }] };
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      typing.remove();
      render(data.messages || []);
    }).catch(function () {
      typing.remove();
      add("bot", "Không kết nối được. Bạn thử lại sau nhé. Khẩn cấp: gọi 113 hoặc 111.");
    }).finally(function () { busy = false; input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });

  if (!sessionStorage.getItem("cg_started")) {
    sessionStorage.setItem("cg_started", "1");
    send({ payload: "/start" });
  } else {
    send({ payload: "/menu" });
  }
})();
