// Web chat client: a random session id, kept for this tab only unless the person asks the
// device to remember it; nothing else about the user. A shared phone must not reopen a draft.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var remember = document.getElementById("remember");
  var quickExit = document.getElementById("quick-exit");
  var ID = "cg_session", REMEMBER = "cg_remember", STARTED = "cg_started";
  var VALID = /^[A-Za-z0-9_-]{8,128}$/;

  function newId() {
    var a = new Uint8Array(18);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function remembered() { return localStorage.getItem(REMEMBER) === "1"; }
  function store() { return remembered() ? localStorage : sessionStorage; }
  // An id left in localStorage without the person's choice (older versions did this) is dropped.
  if (!remembered()) localStorage.removeItem(ID);
  var sessionId = store().getItem(ID);
  if (!sessionId || !VALID.test(sessionId)) {
    sessionId = newId();
    store().setItem(ID, sessionId);
  }

  function showRemember() {
    remember.textContent = remembered()
      ? "💾 Đang nhớ trên máy này · Tắt"
      : "💾 Nhớ cuộc trò chuyện trên máy này";
    remember.setAttribute("aria-pressed", remembered() ? "true" : "false");
  }
  remember.addEventListener("click", function () {
    if (remembered()) {
      localStorage.removeItem(REMEMBER);
      localStorage.removeItem(ID);
      sessionStorage.setItem(ID, sessionId);
    } else {
      localStorage.setItem(REMEMBER, "1");
      localStorage.setItem(ID, sessionId);
      sessionStorage.removeItem(ID);
    }
    showRemember();
  });
  showRemember();

  function forgetLocally() {
    localStorage.removeItem(REMEMBER);
    localStorage.removeItem(ID);
    sessionStorage.removeItem(ID);
    sessionStorage.removeItem(STARTED);
    log.textContent = "";
    input.value = "";
  }

  // Quick exit: wipe the screen and this device's id, and leave for a neutral page (replacing
  // this page in the history, so Back does not return to the conversation).
  function leave() {
    forgetLocally();
    window.location.replace(quickExit.getAttribute("data-exit") || "https://www.google.com/");
  }
  quickExit.addEventListener("click", leave);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") leave();
  });

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
      if (data.forgotten) {
        // /xoa done: the screen is cleared and the next message starts a new conversation.
        forgetLocally();
        sessionId = newId();
        sessionStorage.setItem(ID, sessionId);
        sessionStorage.setItem(STARTED, "1");
        showRemember();
      }
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

  if (!sessionStorage.getItem(STARTED)) {
    sessionStorage.setItem(STARTED, "1");
    send({ payload: "/start" });
  } else {
    send({ payload: "/menu" });
  }
})();
