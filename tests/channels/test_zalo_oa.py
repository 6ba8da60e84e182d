"""Zalo OA end to end: signed webhook events into the app, the real client against the fake OA."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.channels import memory
from bot.channels import zalo_oa as oa
from bot.channels.zalo_oa_api import PAYLOAD_MARK, parse_event, signature_ok
from bot.channels.zalo_oa_tokens import TokenKeeper, authorize
from bot.runtime import BotRuntime
from bot.web import create_web_app
from hotline.config import Settings
from hotline.runtime import HotlineRuntime
from hotline.tips.models import Tip
from tests.channels.conftest import fast_pacing, state_rows
from tests.fixtures.fake_zalo_oa import (
    APP_ID,
    APP_SECRET,
    OA_SECRET,
    FakeZaloOa,
    Sent,
    event,
)

USER = "2468458835296117922"
PATH = "/webhooks/zalo-oa"


def oa_settings(settings: Settings, fake: FakeZaloOa) -> Settings:
    """Settings with the OA channel pointed at the fake."""
    return settings.model_copy(
        update={
            "zalo_oa_app_id": APP_ID,
            "zalo_oa_app_secret": SecretStr(APP_SECRET),
            "zalo_oa_secret_key": SecretStr(OA_SECRET),
            "zalo_oa_api_base_url": fake.root_url,
            "zalo_oa_oauth_base_url": fake.root_url,
        }
    )


@pytest.fixture
def oa_rt(
    settings: Settings,
    hotline_rt: HotlineRuntime,
    nlu_engine: Any,
    fake_zalo_oa: FakeZaloOa,
    request: pytest.FixtureRequest,
) -> Iterator[BotRuntime]:
    """A bot runtime with the OA channel on and tokens authorized once (fast pacing unless the
    test asks for real_pacing)."""
    hrt = HotlineRuntime.from_settings(oa_settings(settings, fake_zalo_oa))
    if "real_pacing" not in request.fixturenames:
        fast_pacing(hrt, oa.CHANNEL)
    rt = BotRuntime.build(hrt, nlu_engine)
    keeper = _keeper(rt)
    asyncio.run(authorize(keeper, refresh_token=fake_zalo_oa.issue_refresh_token()))
    yield rt
    hrt.close()


def _keeper(rt: BotRuntime) -> TokenKeeper:
    api = oa.ZaloOaApi(rt.settings.zalo_oa_api_base_url, rt.settings.zalo_oa_oauth_base_url)
    return TokenKeeper(rt.settings, rt.hotline.sessions, rt.hotline.cipher, api)


@pytest.fixture
def web(oa_rt: BotRuntime) -> Iterator[TestClient]:
    """The whole web app with the OA channel on."""
    with TestClient(create_web_app(oa_rt)) as c:
        yield c


def post(web: TestClient, fake: FakeZaloOa, ev: dict[str, Any]) -> list[Sent]:
    """Deliver a signed event; returns the messages sent in answer."""
    n = len(fake.sent)
    body, headers = fake.sign(ev)
    r = web.post(PATH, content=body, headers=headers)
    assert r.status_code == 200, r.text
    return fake.sent[n:]


def say(web: TestClient, fake: FakeZaloOa, text: str) -> list[Sent]:
    return post(web, fake, event("user_send_text", USER, text=text))


def press(web: TestClient, fake: FakeZaloOa, payload: str) -> list[Sent]:
    """What Zalo sends when a query button is tapped: its payload as the user's text."""
    return say(web, fake, payload)


def buttons_of(answer: list[Sent]) -> list[dict[str, Any]]:
    """Every button of an answer (it may take several messages: five buttons to one)."""
    return [b for sent in answer for b in sent.buttons]


def tips(rt: BotRuntime) -> int:
    with rt.hotline.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Tip)) or 0)


# ---------------------------------------------------------------------- signature, replay


def test_forged_or_replayed_signature_refused_nothing_processed(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    fake = fake_zalo_oa
    ev = event("user_send_text", USER, text="/start")
    body, headers = fake.sign(ev)
    forged_body, forged = fake.sign(ev, secret="not-the-oa-secret")
    tampered = body.replace(b"/start", b"/menu!")
    old = event("user_send_text", USER, text="/start", ts=int((time.time() - 3 * 3600) * 1000))
    old_body, old_headers = fake.sign(old)  # a correct signature, captured 3 h ago
    cases = [
        (forged_body, forged),
        (tampered, headers),
        (body, {"Content-Type": "application/json"}),
        (body, {"X-ZEvent-Signature": "mac=" + "0" * 64}),
        (old_body, old_headers),
    ]
    for content, hdrs in cases:
        r = web.post(PATH, content=content, headers=hdrs)
        assert r.status_code == 401, r.text
    assert fake.sent == []
    assert state_rows(oa_rt) == 0
    # The genuine delivery still works, and delivered twice is answered once.
    assert web.post(PATH, content=body, headers=headers).status_code == 200
    answered = len(fake.sent)
    assert answered >= 1
    assert web.post(PATH, content=body, headers=headers).status_code == 200
    assert len(fake.sent) == answered


def test_signature_formula_is_zalos() -> None:
    body = b'{"event_name":"follow","timestamp":"1700000000000"}'
    import hashlib

    mac = hashlib.sha256(b"app" + body + b"1700000000000" + b"sec").hexdigest()
    assert signature_ok(f"mac={mac}", "app", body, "1700000000000", "sec")
    assert not signature_ok(f"mac={mac}", "app", body + b" ", "1700000000000", "sec")


# ---------------------------------------------------------------------- dialogs


def test_follow_menu_buttons_and_unfollow(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    fake, t = fake_zalo_oa, oa_rt.catalog.t
    follow = event("follow", USER)
    post(web, fake, follow)
    post(web, fake, follow)  # redelivered: answered once
    [welcome, *rest] = fake.to(USER)
    assert welcome.text.startswith(t("vi", "menu.welcome"))
    assert welcome.reply_to is None
    titles = [b["title"] for s in [welcome, *rest] for b in s.buttons]
    assert t("vi", "menu.buttons.emergency") in titles
    assert all(len(s.buttons) <= 5 for s in fake.sent)
    assert all(b["type"] == "oa.query.hide" for s in fake.sent for b in s.buttons)
    emergency = next(
        b for s in fake.sent for b in s.buttons if b["title"] == t("vi", "menu.buttons.emergency")
    )
    n = len(fake.sent)
    ev = event("user_send_text", USER, text=emergency["payload"], msg_id="m-emergency")
    post(web, fake, ev)
    assert "113" in fake.sent[n].text
    assert fake.sent[n].reply_to == "m-emergency"  # a reply inside the free 48-hour window

    seen: list[str] = []
    oa_rt.blocked_hooks.append(lambda rt, channel, key: seen.append(channel))
    post(web, fake, event("unfollow", USER))
    assert seen == ["zalo_oa"]
    assert memory.bucket(memory.read(oa_rt, "zalo_oa", USER)).get("blocked")


def test_other_events_polite_or_ignored_never_5xx(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    fake, t = fake_zalo_oa, oa_rt.catalog.t
    sticker = [{"type": "sticker", "payload": {"id": "s1", "url": "https://zalo.me/s.png"}}]
    location = [{"type": "location", "payload": {"coordinates": {"latitude": 10.7}}}]
    for name, atts in (("user_send_sticker", sticker), ("user_send_location", location)):
        answer = post(web, fake, event(name, USER, attachments=atts, msg_id=f"x-{name}"))
        assert answer[0].text.startswith(t("vi", "core.unsupported_message"))
        assert buttons_of(answer)  # with the menu as buttons
    n = len(fake.sent)
    for name in ("user_seen_message", "oa_send_text", "user_received_message", "weird"):
        post(web, fake, event(name, USER, text="x"))
    post(web, fake, {"event_name": "user_send_text", "timestamp": str(int(time.time() * 1000))})
    assert len(fake.sent) == n
    for junk in (b"{", b"[]", b'"s"', json.dumps({"timestamp": "1"}).encode()):
        r = web.post(PATH, content=junk, headers={"X-ZEvent-Signature": "mac=00"})
        assert 400 <= r.status_code < 500
    long_text = "x\x00\u202e" + "ạ" * 100_000
    post(web, fake, event("user_send_text", USER, text=long_text))
    assert all(len(s.text) <= 2000 for s in fake.sent)


def test_link_is_checked_and_image_downloaded(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    fake = fake_zalo_oa
    link = [{"type": "link", "payload": {"url": "https://tuyendung.example/job?id=1"}}]
    post(web, fake, event("user_send_link", USER, attachments=link))
    assert fake.texts(USER)  # the dialogs answered the link like a typed message
    fake.files["p.jpg"] = b"\xff\xd8oa-jpeg"
    image = [{"type": "image", "payload": {"url": f"{fake.root_url}/img/p.jpg"}}]
    n = len(fake.sent)
    post(web, fake, event("user_send_image", USER, text="tin tuyển dụng", attachments=image))
    assert len(fake.sent) > n


def test_whole_tip_through_the_oa(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_zalo_oa
    caplog.set_level("DEBUG")
    say(web, fake, "/baotin")
    answer = say(web, fake, "Có người dụ lao động sang Campuchia làm việc nhẹ lương cao")
    for _ in range(14):
        if PAYLOAD_MARK + "tip:send" in [b["payload"] for b in buttons_of(answer)]:
            break
        answer = press(web, fake, PAYLOAD_MARK + "tip:skip")
    receipt = press(web, fake, PAYLOAD_MARK + "tip:send")
    assert receipt
    assert tips(oa_rt) == 1, fake.texts(USER)[-3:]
    assert state_rows(oa_rt) == 0  # the conversation is erased after the tip
    # The OA user id is in no log line and nowhere in the tip's row.
    assert USER not in caplog.text
    with oa_rt.hotline.sessions() as s:
        tip = s.scalars(select(Tip)).one()
        assert USER not in json.dumps({c.name: str(getattr(tip, c.name)) for c in Tip.__table__.c})


def test_offer_check_with_buttons(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    fake, t = fake_zalo_oa, oa_rt.catalog.t
    say(web, fake, "/kiemtra")
    answer = say(web, fake, "Tuyển lao động đi Campuchia, lương 30 triệu, bao vé máy bay")
    pressed = 0
    for _ in range(20):
        kt = [b for b in buttons_of(answer) if b["payload"].startswith(PAYLOAD_MARK + "kt:")]
        if not kt:
            break
        answer = press(web, fake, kt[0]["payload"])
        pressed += 1
    assert pressed >= 1
    final = buttons_of(answer)
    assert PAYLOAD_MARK + "/kiemtra" in [b["payload"] for b in final]
    assert t("vi", "offer_check.buttons.check_another") in [b["title"] for b in final]
    assert all(s.reply_to for s in fake.to(USER))  # all of it answered inside the window


def test_parse_event_never_raises() -> None:
    for junk in (None, [], {"event_name": 3}, {"event_name": "user_send_text", "sender": 5}):
        ev = parse_event(junk)
        assert ev is None or ev.user_id is None


async def test_image_sent_and_expired_token_refreshed_once(
    oa_rt: BotRuntime, fake_zalo_oa: FakeZaloOa
) -> None:
    fake = fake_zalo_oa
    channel = oa.build_channel(oa_rt)
    before = fake.refresh_calls  # authorize itself spent the first refresh token
    fake.expire_access_tokens()
    await channel.sender.send_image(USER, "https://example.org/poster.jpg", "Cảnh giác")
    await channel.sender.send_text(USER, "xin chào")
    await channel.sender.api.aclose()
    assert fake.refresh_calls - before == 1
    [image, text] = fake.to(USER)
    assert image.message["attachment"]["payload"]["elements"][0]["url"].endswith("poster.jpg")
    assert text.text == "xin chào"
    assert [code for _, code in fake.refused] == [-216]


def test_subscribe_on_the_oa_then_unfollow_unsubscribes(
    web: TestClient, fake_zalo_oa: FakeZaloOa, oa_rt: BotRuntime
) -> None:
    from hotline.subscribers.models import Subscriber

    fake = fake_zalo_oa
    say(web, fake, "/dangky")
    for payload in ("sub:t:tactics", "sub:t:done", "sub:p:-", "sub:a:-", "sub:l:vi", "sub:ok"):
        answer = press(web, fake, PAYLOAD_MARK + payload)
        assert answer
    key = oa_rt.hotline.pseudonyms.key("zalo_oa", USER)
    with oa_rt.hotline.sessions() as s:
        sub = s.scalars(select(Subscriber)).one()
        assert (sub.key, sub.channel, sub.topics) == (key, "zalo_oa", ["tactics"])
        assert oa_rt.hotline.cipher.decrypt_text(sub.address_enc) == USER
    post(web, fake, event("unfollow", USER))
    with oa_rt.hotline.sessions() as s:
        assert s.scalars(select(Subscriber)).all() == []


def test_answered_within_zalos_two_seconds_at_production_pacing(
    real_pacing: None, web: TestClient, fake_zalo_oa: FakeZaloOa
) -> None:
    """Zalo retries (and in the end disables) an OA webhook not answered within 2 seconds."""
    for text in ("/start", "xin chào"):
        started = time.perf_counter()
        answer = say(web, fake_zalo_oa, text)
        assert len(answer) >= 2
        assert time.perf_counter() - started < 1.5
