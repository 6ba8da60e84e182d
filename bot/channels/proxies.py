"""Which outgoing proxy a URL takes, read from the environment the way curl and httpx read it."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def proxy_for(url: str) -> str | None:
    """HTTPS_PROXY / HTTP_PROXY / ALL_PROXY for this URL unless NO_PROXY exempts its host."""
    parts = urlsplit(url)
    found = urllib.request.getproxies_environment()
    proxy = found.get(parts.scheme) or found.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if proxy and bypass(parts.hostname or "", found):
        return None
    return proxy or None
