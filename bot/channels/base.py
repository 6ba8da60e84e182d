"""Pieces every messenger channel shares: strings outside a dialog, blocked users, downloads."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from typing import Any, cast

import httpx

from bot.channels import memory
from bot.channels.proxies import proxy_for
from bot.conversation import lang_of
from bot.dialogs.types import Button, Turn
from bot.runtime import BotRuntime
from hotline.kit.netcheck import ip_of, is_public

log = logging.getLogger(__name__)

#: Photos bigger than this are refused with a message (tips need evidence, not archives).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: Text longer than this is cut before the engine (which trims to 4,000 and says so).
MAX_INCOMING_TEXT = 20_000


class PhotoTooLarge(Exception):
    """The photo is over MAX_PHOTO_BYTES."""


class UnsafeUrl(httpx.HTTPError):
    """A media URL this server will not fetch: not https, or pointing into a private network."""

    def __init__(self) -> None:
        super().__init__("media URL refused")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and effective port: what decides which server a request reaches."""
    port = url.port or {"https": 443, "http": 80}.get(url.scheme)
    return url.scheme, url.host, port


async def stored_lang(rt: BotRuntime, channel: str, user_id: str | int) -> str:
    """The stored language outside a turn; vi when the database does not answer."""
    try:
        state = await asyncio.to_thread(memory.read, rt, channel, user_id)
    except Exception:
        return "vi"
    return lang_of(rt, state)


def menu_buttons(rt: BotRuntime, lang: str, channel: str) -> list[Button]:
    """The main menu's buttons outside a dialog turn (for messages the dialogs never see)."""
    # The menu only reads strings from the turn; no session is needed for that.
    turn = Turn(rt=rt, session=cast(Any, None), key="", channel=channel, state={"lang": lang})
    return rt.engine.menu_buttons(turn)


async def fetch_photo(url: str, trusted: str, channel: str) -> bytes | str:
    """A user's photo, or the catalogue key of the message to answer instead (never raises)."""
    try:
        return await download(url, trusted=trusted)
    except PhotoTooLarge:
        return "channels.photo_too_large"
    except httpx.HTTPError as exc:
        log.warning(
            "photo download failed", extra={"channel": channel, "error": type(exc).__name__}
        )
        return "channels.photo_failed"


def mark_blocked(rt: BotRuntime, channel: str, user_id: str | int) -> None:
    """Remember that a user blocked the bot and tell the runtime's hooks (no identity logged)."""
    log.info("recipient blocked the bot", extra={"channel": channel})
    memory.update(rt, channel, user_id, lambda b: b.__setitem__("blocked", int(time.time())))
    key = rt.hotline.pseudonyms.key(channel, user_id)
    for hook in list(rt.blocked_hooks):
        try:
            hook(rt, channel, key)
        except Exception:
            log.exception("blocked hook failed", extra={"channel": channel})


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a URL host or resolver answer spells, or None for a name."""
    return ip_of(host)


def _public(host: str) -> bool:
    """Whether an address literal is public (see hotline.kit.netcheck.is_public)."""
    return is_public(host)


async def check_media_url(url: str, trusted: str | None = None) -> str | None:
    """The public address to fetch `url` from; raises UnsafeUrl for anything else.

    A photo URL arrives inside a channel's update. Fetching it blindly would let whoever
    can shape an update make this server call its own network (the database, Redis, a
    cloud metadata service): only the channel's own API origin may be private or plain http.
    Returns None when no address is pinned: the trusted origin, or a URL that goes through
    the environment's proxy (which resolves names itself).
    """
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise UnsafeUrl from exc
    if trusted is not None and target.host and _origin(target) == _origin(httpx.URL(trusted)):
        return None
    if target.scheme != "https" or not target.host:
        raise UnsafeUrl
    if _ip(target.host) is not None:
        if not _public(target.host):
            raise UnsafeUrl
        return target.host
    if proxy_for(url) is not None:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            target.host, target.port or 443, type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise httpx.ConnectError("name resolution failed") from exc
    # Every address must be public: a name resolving to one public and one private address
    # could be fetched from either.
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_public(a) for a in addresses):
        raise UnsafeUrl
    return addresses[0]


def pinned_request(
    url: str, address: str | None
) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """URL, headers and httpx extensions that reach `address` while speaking to `url`'s host."""
    target = httpx.URL(url)
    if address is None or address == target.host:
        return target, {}, {}
    # Connect to the address that was checked, not to what a second lookup might return (DNS
    # rebinding); the Host header and TLS (SNI, certificate check) still use the name.
    headers = {"Host": target.netloc.decode("ascii")}
    return target.copy_with(host=address), headers, {"sni_hostname": target.host}


async def download(
    url: str, limit: int = MAX_PHOTO_BYTES, seconds: float = 20, trusted: str | None = None
) -> bytes:
    """GET a public https file with a size cap (raises PhotoTooLarge, UnsafeUrl, httpx.HTTPError).

    `trusted` is an origin (the channel's API base URL) that may also be private or http.
    """
    address = await check_media_url(url, trusted)
    target, headers, extensions = pinned_request(url, address)
    async with (
        # A pinned request already knows no proxy applies; httpx would look up the proxy for
        # the address instead of the name, which NO_PROXY may treat differently.
        httpx.AsyncClient(timeout=seconds, follow_redirects=False, trust_env=not extensions) as c,
        c.stream("GET", target, headers=headers, extensions=extensions) as response,
    ):
        response.raise_for_status()
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise PhotoTooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise PhotoTooLarge
            chunks.append(chunk)
        return b"".join(chunks)
