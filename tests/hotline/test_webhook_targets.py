"""Agency webhooks cannot be pointed inside the network (issue 18)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from hotline.agencies.service import AgencyError, validate_channels
from hotline.notifications.senders import SendError, WebhookSender
from tests.conftest import free_port


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",  # not HTTPS
        "https://127.0.0.1/hook",
        "https://10.0.0.5:8443/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
        "https://metadata.google.internal/x",
        "https://printer/hook",
        "https://[::1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://[2002:a00:1::1]/hook",
    ],
)
def test_internal_or_plain_http_webhooks_are_refused(url: str) -> None:
    with pytest.raises(AgencyError):
        validate_channels([{"channel": "webhook", "url": url}])


def test_a_public_https_webhook_is_kept() -> None:
    url = "https://93.184.216.34/hook"
    assert validate_channels([{"channel": "webhook", "url": url}]) == [
        {"channel": "webhook", "url": url}
    ]


def test_the_sender_refuses_an_internal_address_without_connecting() -> None:
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with httpx.Client() as client, pytest.raises(SendError):
            WebhookSender(client).send({"url": f"http://127.0.0.1:{port}/hook"}, "Tin báo #1")
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
