"""python-telegram-bot's networking on aiohttp (PTB's documented ``BaseRequest`` extension).

PTB ships an httpx back end; on the webhook path its Python-level HTTP stack (httpx,
httpcore, anyio) was about a fifth of the server's CPU per message (bench/platform_bench.py).
aiohttp parses and writes HTTP in C and keeps its connections in a plain pool, so the same
Bot API calls cost a fraction. Errors map to PTB's own exceptions exactly as PTB's httpx
back end maps them, so PTB (retries, RetryAfter, Forbidden) behaves the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.channels.proxies import proxy_for

FORM = "application/x-www-form-urlencoded"


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout PTB passed, or ours when PTB left it at DEFAULT_NONE."""
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """A pooled aiohttp session behind PTB's ``Bot`` (one per Bot; created on first use)."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 16,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 30.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds the long-poll time to it for getUpdates)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session now (otherwise the first request does)."""
        self._open()

    async def shutdown(self) -> None:
        """Close the session and its pooled connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _open(self) -> aiohttp.ClientSession:
        # Created lazily: a ClientSession belongs to the running event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                # Proxies come from the environment like with PTB's httpx back end, but are
                # looked up once per host (see _proxy): aiohttp's trust_env re-reads the whole
                # environment and ~/.netrc on every request (6% of a message's CPU).
                trust_env=False,
            )
        return self._session

    def _proxy(self, url: str) -> str | None:
        """The environment's proxy for this URL, looked up once per origin."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            self._proxies[origin] = proxy_for(url)
        return self._proxies[origin]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP call; PTB turns the status and body into results or TelegramErrors."""
        session = self._open()
        files = bool(request_data and request_data.contains_files)
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        # aiohttp has no write timeout of its own: the request as a whole may take the time to
        # wait for a connection, connect, send and read; each phase keeps its own bound.
        phases = (read, write, connect, pool)
        total = None if any(p is None for p in phases) else sum(p for p in phases if p is not None)
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = None
        headers: dict[str, str] = {}
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, upload in request_data.multipart_data.items():
                    filename, content, *rest = upload
                    form.add_field(
                        name,
                        content,
                        filename=filename,
                        content_type=rest[0] if rest else "application/octet-stream",
                    )
                body = form
            else:
                # The same form encoding as PTB's httpx back end (what every Bot API accepts).
                body = request_data.url_encoded_parameters().encode()
                headers["Content-Type"] = FORM
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # The class name helps when the message is empty (as PTB's httpx back end does).
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
