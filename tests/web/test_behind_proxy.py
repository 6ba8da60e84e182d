"""Behind a real reverse proxy on another address, limits count real clients (issue 18).

Each citizen is a client bound to its own loopback address (127.0.1.x); the proxy listens on
127.0.0.2, appends the client's address to X-Forwarded-For like nginx's
``proxy_add_x_forwarded_for``, and connects to the app from 127.0.0.2, the only trusted proxy.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from hotline.db.session import unit_of_work
from hotline.users import service as users
from tests.conftest import LiveServer, free_port
from tests.web.test_console import PASSWORD

PROXY = "127.0.0.2"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


def _proxy_handler(upstream_port: int) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        """Forwards one request to the app, from the proxy's own address."""

        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            seen = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            headers["X-Forwarded-For"] = f"{seen}, {client}" if seen else client
            headers["X-Forwarded-Proto"] = "http"
            conn = http.client.HTTPConnection(
                "127.0.0.1", upstream_port, timeout=30, source_address=(PROXY, 0)
            )
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Forward


@pytest.fixture
def behind_proxy(bot_rt) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """The app trusting only 127.0.0.2: the proxy's URL and the app's own port."""
    from bot.web import create_web_app

    bot_rt.hotline.settings = bot_rt.hotline.settings.model_copy(
        update={"trusted_proxies": PROXY, "webchat_ip_per_minute": 10}
    )
    server = LiveServer(create_web_app(bot_rt), free_port()).start()
    port = free_port()
    proxy = ThreadingHTTPServer((PROXY, port), _proxy_handler(server.port))
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield f"http://{PROXY}:{port}", server.port
    proxy.shutdown()
    proxy.server_close()
    server.stop()


def citizen(n: int, base: str) -> httpx.Client:
    """A client from its own address."""
    transport = httpx.HTTPTransport(local_address=f"127.0.1.{n}")
    return httpx.Client(base_url=base, transport=transport, timeout=30)


def test_sixty_citizens_get_sixty_answers_and_one_client_is_still_limited(behind_proxy) -> None:
    url, _ = behind_proxy
    answered = 0
    for n in range(1, 61):
        with citizen(n, url) as c:
            r = c.post("/webchat/messages", json={"session_id": f"citizen-{n:04d}", "text": "hi"})
            answered += r.status_code == 200 and bool(r.json()["messages"])
    assert answered == 60
    # The limit still holds for one real client (10 a minute here), whatever session ids it uses.
    with citizen(200, url) as c:
        codes = [
            c.post("/webchat/messages", json={"session_id": f"one-{i:06d}", "text": "hi"})
            for i in range(12)
        ]
    assert [r.status_code for r in codes].count(429) == 2


def test_forwarded_for_is_believed_only_from_the_trusted_proxy(behind_proxy) -> None:
    # A client that reaches the app directly cannot pick its address with the header.
    _, server_port = behind_proxy
    transport = httpx.HTTPTransport(local_address="127.0.1.250")
    with httpx.Client(base_url=f"http://127.0.0.1:{server_port}", transport=transport) as c:
        codes = [
            c.post(
                "/webchat/messages",
                json={"session_id": f"spoof-{i:06d}", "text": "hi"},
                headers={"X-Forwarded-For": f"10.9.8.{i}"},
            ).status_code
            for i in range(12)
        ]
    assert codes.count(429) == 2


def _login(c: httpx.Client, username: str, password: str) -> httpx.Response:
    page = c.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return c.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


def test_twelve_wrong_logins_from_one_client_do_not_lock_out_another(behind_proxy, bot_rt) -> None:
    with unit_of_work(bot_rt.hotline.sessions) as s:
        users.create_user(s, "op.one", PASSWORD, "operator")
        users.create_user(s, "op.two", PASSWORD, "operator")
    url, _ = behind_proxy
    with citizen(1, url) as attacker:
        codes = [
            _login(attacker, "op.one", f"wrong-{i:02d}-password").status_code for i in range(12)
        ]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        # That client is now refused even with the right password.
        assert _login(attacker, "op.one", PASSWORD).status_code == 429
    # Another client signs in to the same account, and to another one.
    for who in ("op.one", "op.two"):
        with citizen(2, url) as colleague:
            r = _login(colleague, who, PASSWORD)
            assert r.status_code == 303 and r.headers["location"] == "/console", who
            assert "Xin chào, " + who in colleague.get("/console").text
