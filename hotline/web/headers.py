"""Security headers on every HTTP response (a plain ASGI middleware)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


#: SECURITY_HEADERS as raw ASGI header pairs (the webhook front in bot/channels sends them too).
SECURITY_HEADER_PAIRS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_NO_STORE_PREFIXES = ("/console", "/api")
#: HSTS for two years (whole site), sent when the app is configured for HTTPS.
HSTS_PAIR = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class SecurityHeaders:
    """Adds SECURITY_HEADERS (and no-store on /console, /api) to every HTTP response.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` runs each request through an
    extra task and memory streams, which cost more than the webhook's own work (profiled).
    """

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        # Served over HTTPS (secure cookies): browsers must never fall back to plain HTTP.
        self.pairs = SECURITY_HEADER_PAIRS + ([HSTS_PAIR] if hsts else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        no_store = scope["path"].startswith(_NO_STORE_PREFIXES)
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.pairs if k not in present]
                if no_store and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "request",
                extra={
                    "method": scope["method"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                },
            )
