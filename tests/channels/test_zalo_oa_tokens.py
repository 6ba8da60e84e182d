"""OA tokens: encrypted at rest, refreshed by exactly one process, alerts when refreshing fails."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.channels.zalo_oa_tokens import (
    OaNotAuthorized,
    TokenKeeper,
    authorize,
    job,
    keeper_for,
    token_name,
)
from hotline.channel_tokens.models import ChannelToken
from hotline.config import Settings
from hotline.db.base import utcnow
from hotline.notifications.models import Notification
from hotline.runtime import HotlineRuntime
from tests.channels.test_zalo_oa import oa_settings
from tests.fixtures.fake_zalo_oa import APP_ID, APP_SECRET, OA_SECRET, FakeZaloOa

SUPERVISORS = [
    {"channel": "telegram", "chat_id": "-100777"},
    {"channel": "email", "address": "giamsat@example.gov.vn"},
]


@pytest.fixture
def oa_hrt(
    settings: Settings, hotline_rt: HotlineRuntime, fake_zalo_oa: FakeZaloOa
) -> Iterator[HotlineRuntime]:
    """A back-office runtime with the OA configured and supervisors to alert."""
    configured = oa_settings(settings, fake_zalo_oa).model_copy(
        update={"supervisor_notify": SUPERVISORS}
    )
    hrt = HotlineRuntime.from_settings(configured)
    yield hrt
    hrt.close()


def keeper(hrt: HotlineRuntime) -> TokenKeeper:
    return keeper_for(hrt.settings, hrt.sessions, hrt.cipher)


def row(hrt: HotlineRuntime) -> ChannelToken:
    with hrt.sessions() as s:
        found = s.get(ChannelToken, token_name(hrt.settings))
        assert found is not None
        s.expunge(found)
        return found


async def _authorized(hrt: HotlineRuntime, fake: FakeZaloOa) -> TokenKeeper:
    k = keeper(hrt)
    await authorize(k, refresh_token=fake.issue_refresh_token())
    return k


async def test_stored_encrypted_and_read_back(oa_hrt: HotlineRuntime, fake: FakeZaloOa) -> None:
    k = await _authorized(oa_hrt, fake)
    current = await k.current()
    await k.api.aclose()
    assert current.access in fake.access_tokens
    stored = row(oa_hrt)
    assert current.access.encode() not in stored.access_enc
    assert current.refresh.encode() not in stored.refresh_enc
    assert oa_hrt.cipher.decrypt_text(stored.refresh_enc) in fake.refresh_tokens


def test_two_processes_refresh_once(oa_hrt: HotlineRuntime, fake: FakeZaloOa) -> None:
    """Two workers (own loops, own keepers) find the token expired at once: one OAuth call."""
    first = keeper(oa_hrt)
    asyncio.run(authorize(first, refresh_token=fake.issue_refresh_token()))
    version = row(oa_hrt).version
    calls_before = fake.refresh_calls
    results: list[str] = []
    start = threading.Barrier(3)

    def worker() -> None:
        async def run() -> str:
            k = keeper(oa_hrt)
            start.wait()
            try:
                return (await k.refresh(version)).access
            finally:
                await k.api.aclose()

        results.append(asyncio.run(run()))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert fake.refresh_calls - calls_before == 1
    assert len(results) == 3
    assert len(set(results)) == 1
    assert results[0] in fake.access_tokens
    assert row(oa_hrt).version == version + 1


async def test_failed_refresh_alerts_supervisors_once(
    oa_hrt: HotlineRuntime, fake: FakeZaloOa
) -> None:
    from hotline.agencies.models import Agency

    with oa_hrt.sessions.begin() as s:
        s.add(
            Agency(
                code="national-desk",
                name="Bàn trực quốc gia",
                name_en="National desk",
                kind="desk",
                notify=[SUPERVISORS[0], {"channel": "webhook", "url": "https://desk.example/h"}],
            )
        )
    k = await _authorized(oa_hrt, fake)
    version = (await k.current()).version
    fake.refuse_refresh = True
    for _ in range(2):
        with pytest.raises(OaNotAuthorized, match="refresh failed"):
            await k.refresh(version)
    await k.api.aclose()
    assert "Invalid refresh token" in (row(oa_hrt).last_error or "")
    with oa_hrt.sessions() as s:
        alerts = s.scalars(select(Notification).where(Notification.kind == "zalo_oa_token")).all()
        # Each supervisor once (the desk's copy of the Telegram chat is not sent twice).
        assert sorted(a.channel for a in alerts) == ["email", "telegram", "webhook"]
        assert all("canhgiac zalo-oa authorize" in a.text for a in alerts)
        assert all(a.tip_id is None for a in alerts)
    # Refreshing works again once the OA is authorized again; the error is cleared.
    fake.refuse_refresh = False
    await _authorized(oa_hrt, fake)
    assert row(oa_hrt).last_error is None


def test_worker_job_refreshes_ahead_of_expiry(oa_hrt: HotlineRuntime, fake: FakeZaloOa) -> None:
    asyncio.run(_authorized(oa_hrt, fake))
    calls = fake.refresh_calls
    job(oa_hrt)  # 25 hours left: nothing to do
    assert fake.refresh_calls == calls
    with oa_hrt.sessions.begin() as s:
        s.execute(update(ChannelToken).values(access_expires_at=utcnow() + timedelta(minutes=30)))
    job(oa_hrt)
    assert fake.refresh_calls == calls + 1
    assert row(oa_hrt).access_expires_at - utcnow() > timedelta(hours=24)


def test_cli_authorize_and_status(
    settings: Settings,
    hotline_rt: HotlineRuntime,
    fake: FakeZaloOa,
    keys: dict[str, str],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app
    from hotline.config import get_settings

    env = {
        "CANHGIAC_DATABASE_URL": db_url,
        "CANHGIAC_SECRET_KEY": keys["secret"],
        "CANHGIAC_DATA_KEY": keys["data"],
        "ZALO_OA_APP_ID": APP_ID,
        "ZALO_OA_APP_SECRET": APP_SECRET,
        "ZALO_OA_SECRET_KEY": OA_SECRET,
        "ZALO_OA_API_BASE_URL": fake.root_url,
        "ZALO_OA_OAUTH_BASE_URL": fake.root_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        refused = runner.invoke(app, ["zalo-oa", "authorize"], input="rt-not-issued\n")
        assert refused.exit_code != 0
        token = fake.issue_refresh_token()
        ok = runner.invoke(app, ["zalo-oa", "authorize"], input=token + "\n")
        assert ok.exit_code == 0, ok.output
        assert token not in ok.output
        status = runner.invoke(app, ["zalo-oa", "status"])
        assert status.exit_code == 0, status.output
        assert "hết hạn / expires" in status.output
        assert not any(t in status.output for t in fake.access_tokens | fake.refresh_tokens)
        code = fake.issue_code()
        again = runner.invoke(app, ["zalo-oa", "authorize", "--code", code])
        assert again.exit_code == 0, again.output
    finally:
        get_settings.cache_clear()


@pytest.fixture
def fake(fake_zalo_oa: FakeZaloOa) -> FakeZaloOa:
    """Shorter name."""
    return fake_zalo_oa
