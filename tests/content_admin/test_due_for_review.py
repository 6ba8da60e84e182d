"""Pieces due for review: the real review dates, a configurable age, listed in the console."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hotline.config import Settings
from hotline.content import admin
from hotline.content.loader import load_files
from hotline.content.models import ContentPiece
from hotline.content.service import import_library
from hotline.db.session import unit_of_work
from tests.hotline.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 7)


def _set_reviewed(s: Any, piece_id: str, lang: str, when: date | None) -> None:
    piece = s.scalar(
        select(ContentPiece).where(ContentPiece.piece_id == piece_id, ContentPiece.lang == lang)
    )
    piece.last_reviewed = when


def test_review_dates_are_real_not_one_stamp() -> None:
    dates = {p.last_reviewed for p in load_files(ROOT / "content").pieces}
    assert None not in dates
    assert len(dates) >= 2  # pieces checked on different days keep their own date
    assert max(d for d in dates if d) <= TODAY


def test_due_for_review_lists_old_and_undated_pieces_oldest_first(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
        _set_reviewed(s, "hotline-numbers", "vi", date(2024, 1, 15))
        _set_reviewed(s, "keep-evidence", "en", None)
        _set_reviewed(s, "ransom-demands", "vi", date(2025, 6, 1))
    with unit_of_work(hotline_rt.sessions) as s:
        due = admin.due_for_review(s, TODAY, max_age_days=365)
        ids = [(d.ref.item_id, d.ref.lang) for d in due]
        assert ids == [
            ("keep-evidence", "en"),
            ("hotline-numbers", "vi"),
            ("ransom-demands", "vi"),
        ]
        assert due[0].age_days is None and due[1].age_days == (TODAY - date(2024, 1, 15)).days
        # A shorter age lists more: every piece last checked more than 10 days ago.
        longer = admin.due_for_review(s, TODAY, max_age_days=10)
        assert len(longer) > len(due)
        assert all(d.age_days is None or d.age_days > 10 for d in longer)


def test_review_age_is_configurable() -> None:
    assert Settings(_env_file=None).content_review_days == 365
    assert Settings(CANHGIAC_CONTENT_REVIEW_DAYS=90, _env_file=None).content_review_days == 90


def _login(client: Any, username: str) -> None:
    page = client.get("/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    r = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text


def test_console_lists_pieces_due_for_review(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(bot_rt.hotline.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
        _set_reviewed(s, "hotline-numbers", "vi", date(2023, 3, 2))
        make_user(s, "com1", "communicator")
    _login(client, "com1")
    listing = client.get("/console/content")
    assert 'id="due-link"' in listing.text
    page = client.get("/console/content/due")
    assert page.status_code == 200
    row = re.search(r'<tr data-id="hotline-numbers" data-lang="vi">(.*?)</tr>', page.text, re.S)
    assert row is not None and "02/03/2023" in row.group(1)
    # ?days= overrides the configured age: nothing is 100 years past its review.
    none_due = client.get("/console/content/due?days=36500")
    assert 'data-id="hotline-numbers"' not in none_due.text
    assert "36500" in none_due.text
