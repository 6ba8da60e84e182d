"""A crafted `tip:country:<free text>` payload never reaches the plain country column (issue 18)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip
from tests.tips.test_intake_dialog import CODE, full_text, payloads, say


def _tip_with_country_payload(client, value: str) -> None:  # type: ignore[no-untyped-def]
    sid = "country" + secrets.token_hex(8)
    say(client, sid, "/baotin")
    say(client, sid, "Có người lạ tuyển lao động ở bến xe " + secrets.token_hex(4))
    say(client, sid, payload=f"tip:country:{value}")
    for _ in range(12):
        if "tip:send" in payloads(say(client, sid, payload="tip:skip")):
            break
    assert CODE.search(full_text(say(client, sid, payload="tip:send")))


@pytest.mark.parametrize(
    ("value", "stored"),
    [("Campuchia", "Campuchia"), ("ben tau", "Trung Quốc"), ("-", None)],
)
def test_known_countries_are_stored_by_their_canonical_name(client, bot_rt, value, stored) -> None:
    _tip_with_country_payload(client, value)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        assert s.scalars(select(Tip)).one().destination_country == stored


def test_free_text_in_the_payload_stays_encrypted(client, bot_rt) -> None:
    marker = "Nha so 12 ngo 3 " + secrets.token_hex(4)
    _tip_with_country_payload(client, marker)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert tip.destination_country is None
        plain = [str(getattr(tip, c.key)) for c in Tip.__table__.columns if c.key != "content_enc"]
        assert not any(marker in v for v in plain)
        assert marker in str(service.decrypt_content(bot_rt.hotline.cipher, tip))
