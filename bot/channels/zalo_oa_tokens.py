"""The OA's access token for every worker, refreshed by exactly one process at a time.

The pair lives encrypted in ``channel_tokens``. Every process reads it from there (cached a
few seconds); refreshing spends the single-use refresh token, so only the holder of the row's
lease (one conditional UPDATE, atomic on SQLite and PostgreSQL) calls OAuth. The others wait
until the row's version moves on and read the new token. A failed refresh is logged, recorded
on the row and, once per streak, sent to the supervisors (CANHGIAC_SUPERVISOR_NOTIFY).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.zalo_oa_api import OaAuthError, ZaloOaApi
from hotline.agencies.models import Agency
from hotline.channel_tokens import service as tokens
from hotline.config import Settings
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.kit.crypto import Cipher
from hotline.kit.sync import run_coroutine
from hotline.notifications.models import Notification
from hotline.notifications.service import SUPERVISOR_DESK
from hotline.runtime import HotlineRuntime

log = logging.getLogger(__name__)

#: Refresh this long before the access token expires (Zalo's last for about 25 hours).
REFRESH_AHEAD = timedelta(hours=1)
#: How long a refresher may hold the lease (an OAuth call takes well under a second).
LEASE_SECONDS = 30.0
#: How long a reader trusts its cached token before looking at the database again.
CACHE_SECONDS = 5.0


class OaNotAuthorized(RuntimeError):
    """No usable token: run `canhgiac zalo-oa authorize` (or the refresh failed)."""


def enabled(settings: Settings) -> bool:
    """Whether the OA channel is configured (app id, app secret and OA secret key)."""
    secret, key = settings.zalo_oa_app_secret, settings.zalo_oa_secret_key
    return bool(
        (settings.zalo_oa_app_id or "").strip()
        and secret is not None
        and secret.get_secret_value()
        and key is not None
        and key.get_secret_value()
    )


def token_name(settings: Settings) -> str:
    """The row of this app's OA tokens."""
    return f"zalo_oa:{settings.zalo_oa_app_id or '-'}"


class TokenKeeper:
    """Reads the current access token; refreshes it under the lease when asked to."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], cipher: Cipher, api: ZaloOaApi
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.cipher = cipher
        self.api = api
        self.name = token_name(settings)
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._cached: tokens.Tokens | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()
        #: Refreshes this process performed (tests and the log count them).
        self.refreshes = 0

    def _load(self) -> tokens.Tokens | None:
        with unit_of_work(self.sessions) as session:
            return tokens.load(session, self.cipher, self.name)

    async def current(self) -> tokens.Tokens:
        """The stored pair (cached for a few seconds); raises OaNotAuthorized when none."""
        if self._cached is None or time.monotonic() - self._read_at > CACHE_SECONDS:
            self._cached = await asyncio.to_thread(self._load)
            self._read_at = time.monotonic()
        if self._cached is None:
            raise OaNotAuthorized("ZALO OA: chưa có token / no token (canhgiac zalo-oa authorize)")
        return self._cached

    async def refresh(self, stale_version: int) -> tokens.Tokens:
        """Get a newer pair than ``stale_version``: refresh it, or wait for whoever does."""
        async with self._lock:
            deadline = time.monotonic() + LEASE_SECONDS + 5
            while True:
                found = await asyncio.to_thread(self._load)
                if found is None:
                    raise OaNotAuthorized("ZALO OA: chưa có token / no token")
                if found.version != stale_version:
                    self._cached, self._read_at = found, time.monotonic()
                    return found
                if await asyncio.to_thread(self._take, found.version):
                    return await self._do_refresh(found)
                if time.monotonic() > deadline:
                    raise OaNotAuthorized("ZALO OA: refresh by another process did not finish")
                await asyncio.sleep(0.1)

    async def refresh_if_due(self, ahead: timedelta = REFRESH_AHEAD) -> bool:
        """Refresh when the token expires within ``ahead`` (the worker's tick); True if done."""
        found = await asyncio.to_thread(self._load)
        if found is None or found.expires_at - utcnow() > ahead:
            return False
        await self.refresh(found.version)
        return True

    def _take(self, version: int) -> bool:
        with unit_of_work(self.sessions) as session:
            return tokens.take_lease(session, self.name, self.owner, version, LEASE_SECONDS)

    async def _do_refresh(self, old: tokens.Tokens) -> tokens.Tokens:
        app_id = self.settings.zalo_oa_app_id or ""
        secret = self.settings.zalo_oa_app_secret
        try:
            if secret is None:
                raise OaAuthError("ZALO_OA_APP_SECRET is not set")
            new = await self.api.refresh(app_id, secret.get_secret_value(), old.refresh)
        except OaAuthError as exc:
            await asyncio.to_thread(self._failed, str(exc))
            raise OaNotAuthorized(f"ZALO OA: refresh failed ({exc})") from None

        def save() -> tokens.Tokens:
            with unit_of_work(self.sessions) as session:
                tokens.store(
                    session,
                    self.cipher,
                    self.name,
                    new.access_token,
                    new.refresh_token,
                    new.expires_in,
                )
                stored = tokens.load(session, self.cipher, self.name)
            assert stored is not None
            return stored

        stored = await asyncio.to_thread(save)
        self.refreshes += 1
        self._cached, self._read_at = stored, time.monotonic()
        log.info("zalo oa token refreshed", extra={"channel": "zalo_oa", "count": stored.version})
        return stored

    def _failed(self, error: str) -> None:
        """Record the failure; alert the supervisors once per streak."""
        log.error("zalo oa token refresh failed", extra={"channel": "zalo_oa", "error": error})
        with unit_of_work(self.sessions) as session:
            if not tokens.fail_lease(session, self.name, self.owner, error):
                return
            text = (
                "Cảnh Giác: không làm mới được token Zalo OA; kênh Zalo OA sẽ ngừng trả lời khi "
                "token hết hạn. Chạy `canhgiac zalo-oa authorize` với mã mới. / The Zalo OA "
                f"token could not be refreshed ({error[:120]}); re-run `canhgiac zalo-oa "
                "authorize` before the channel stops."
            )
            # The supervisors' channels and the national desk's, as for an overdue tip.
            desk = session.get(Agency, SUPERVISOR_DESK)
            extra = list(desk.notify or []) if desk is not None and desk.active else []
            seen: list[dict[str, str]] = []
            for dest in [*self.settings.supervisor_notify, *extra]:
                if dest in seen or not dest.get("channel"):
                    continue
                seen.append(dest)
                session.add(
                    Notification(
                        agency_code=None,
                        tip_id=None,
                        kind="zalo_oa_token",
                        channel=dest["channel"],
                        destination=dict(dest),
                        text=text,
                    )
                )


async def authorize(
    keeper: TokenKeeper,
    *,
    refresh_token: str | None = None,
    code: str | None = None,
    code_verifier: str | None = None,
) -> int:
    """First setup: trade a code or a refresh token for a stored pair; returns the version."""
    settings = keeper.settings
    secret = settings.zalo_oa_app_secret
    if not settings.zalo_oa_app_id or secret is None:
        raise OaNotAuthorized("ZALO_OA_APP_ID / ZALO_OA_APP_SECRET chưa đặt / not set")
    app_id, app_secret = settings.zalo_oa_app_id, secret.get_secret_value()
    if code:
        new = await keeper.api.exchange_code(app_id, app_secret, code, code_verifier)
    elif refresh_token:
        new = await keeper.api.refresh(app_id, app_secret, refresh_token)
    else:
        raise OaNotAuthorized("a code or a refresh token is needed")

    def save() -> int:
        with unit_of_work(keeper.sessions) as session:
            return tokens.store(
                session,
                keeper.cipher,
                keeper.name,
                new.access_token,
                new.refresh_token,
                new.expires_in,
            )

    return await asyncio.to_thread(save)


def keeper_for(settings: Settings, sessions: sessionmaker[Session], cipher: Cipher) -> TokenKeeper:
    """A keeper with its own API client (close it with ``keeper.api.aclose()``)."""
    api = ZaloOaApi(settings.zalo_oa_api_base_url, settings.zalo_oa_oauth_base_url)
    return TokenKeeper(settings, sessions, cipher, api)


def job(rt: HotlineRuntime) -> None:
    """Worker tick: refresh the OA token an hour before it expires (one worker does it)."""
    if not enabled(rt.settings):
        return

    async def run() -> bool:
        keeper = keeper_for(rt.settings, rt.sessions, rt.cipher)
        try:
            return await keeper.refresh_if_due()
        finally:
            await keeper.api.aclose()

    try:
        run_coroutine(run)
    except OaNotAuthorized as exc:
        # Already logged and alerted once per streak by the keeper; the next tick tries again.
        log.warning("zalo oa token not refreshed", extra={"channel": "zalo_oa", "error": str(exc)})
