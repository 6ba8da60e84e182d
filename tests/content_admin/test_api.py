"""REST `/api/v1/content`: roles, drafts, two-person publish, history, rollback, import rule."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from hotline.content.loader import load_files
from hotline.content.service import import_library
from hotline.db.session import unit_of_work
from tests.content.chat import Chat
from tests.hotline.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
PIECE = "/api/v1/content/pieces/hotline-numbers/vi"


@pytest.fixture
def api(client, hotline_rt, tmp_path: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    root = tmp_path / "content"
    for sub in ("vi", "en", "quizzes", "offers", "faq"):
        shutil.copytree(ROOT / "content" / sub, root / sub)
    with unit_of_work(hotline_rt.sessions) as s:
        import_library(s, load_files(root))
        for name, role in (
            ("com1", "communicator"),
            ("com2", "communicator"),
            ("sup", "supervisor"),
            ("op", "operator"),
            ("ag", "agency"),
        ):
            make_user(s, name, role, "hue-police" if role == "agency" else None)
    headers = {}
    for name in ("com1", "com2", "sup", "op", "ag"):
        token = client.post(
            "/api/v1/auth/token", data={"username": name, "password": PASSWORD}
        ).json()["access_token"]
        headers[name] = {"Authorization": f"Bearer {token}"}
    return {"h": headers, "root": root}


def _body(client, h, **changes) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    snap = client.get(PIECE + "/versions", headers=h).json()[0]["snapshot"]
    body = {
        k: snap[k]
        for k in (
            "title",
            "topic",
            "tactic",
            "audience",
            "countries",
            "keywords",
            "related",
            "sources",
            "last_reviewed",
            "parts",
        )
    }
    body.update(changes)
    return body


def test_roles(client, api) -> None:  # type: ignore[no-untyped-def]
    h = api["h"]
    for name in ("com1", "sup"):
        r = client.get("/api/v1/content/pieces?lang=vi&topic=hotlines", headers=h[name])
        assert r.status_code == 200 and {p["id"] for p in r.json()} >= {"hotline-numbers"}
        assert all(p["lang"] == "vi" and p["group"] == "hotlines" for p in r.json())
    for name in ("op", "ag"):
        assert client.get("/api/v1/content/pieces", headers=h[name]).status_code == 403
        assert client.put(PIECE, json=_body(client, h["com1"]), headers=h[name]).status_code == 403
        assert client.get("/api/v1/content/quiz", headers=h[name]).status_code == 403
    assert client.get("/api/v1/content/redflags").status_code == 401
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/content/pieces/{piece_id}/{lang}/versions" in paths
    assert "/api/v1/content/redflags/{item_id}/versions/{version}/publish" in paths


def test_edit_review_publish_history_rollback_and_chat(client, api) -> None:  # type: ignore[no-untyped-def]
    h = api["h"]
    body = _body(client, h["com1"])
    body["parts"] = ["x" * 701]
    r = client.put(PIECE, json=body, headers=h["com1"])
    assert r.status_code == 422 and r.json()["detail"]["problems"][0]["code"] == "part_too_long"
    parts = ["Số mới cần nhớ: gọi 111, miễn phí."]
    r = client.put(
        PIECE, json=_body(client, h["com1"], parts=parts, note="rõ hơn"), headers=h["com1"]
    )
    assert r.status_code == 200, r.text
    v = r.json()["version"]
    assert r.json()["status"] == "draft" and r.json()["changed_by"] == "com1"
    assert (
        client.post(f"{PIECE}/versions/{v}/submit", headers=h["com1"]).json()["status"] == "review"
    )
    review = client.get("/api/v1/content/review", headers=h["sup"]).json()
    assert [(x["id"], x["version"]) for x in review] == [("hotline-numbers", v)]
    # The author cannot approve their own version; another communicator can.
    r = client.post(f"{PIECE}/versions/{v}/publish", headers=h["com1"])
    assert r.status_code == 403 and r.json()["detail"] == "own_version"
    assert client.post(f"{PIECE}/versions/{v}/publish", headers=h["com2"]).status_code == 200
    chat = Chat(client)
    chat.send("/ngonngu vi")
    chat.send("/hoc hotline-numbers")
    assert "Số mới cần nhớ" in chat.text()
    hist = client.get(f"{PIECE}/versions", headers=h["sup"]).json()
    assert [x["status"] for x in hist[:2]] == ["published", "superseded"]
    assert hist[0]["changed_by"] == "com1" and hist[0]["note"] == "rõ hơn"
    diff = client.get(f"{PIECE}/diff?a={v - 1}&b={v}", headers=h["sup"]).json()
    assert diff[0]["field"] == "parts" and any(
        line.startswith("+Số mới") for line in diff[0]["lines"]
    )
    # Roll back to the file's version: a new version with the old text.
    r = client.post(f"{PIECE}/versions/{v - 1}/rollback", headers=h["sup"])
    assert r.status_code == 200 and r.json()["version"] == v + 1
    chat.send("/hoc hotline-numbers")
    assert "Số mới cần nhớ" not in chat.text()
    assert client.post(f"{PIECE}/unpublish", headers=h["com2"]).json() == {"status": "unpublished"}
    listed = client.get("/api/v1/content/pieces?status=unpublished", headers=h["sup"]).json()
    assert [(p["id"], p["lang"]) for p in listed] == [("hotline-numbers", "vi")]


def test_import_after_console_edit_keeps_the_console_version(client, api, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    h, root = api["h"], api["root"]
    r = client.put(
        PIECE,
        json=_body(client, h["com1"], title="Số điện thoại (bảng điều khiển)"),
        headers=h["com1"],
    )
    v = r.json()["version"]
    client.post(f"{PIECE}/versions/{v}/submit", headers=h["com1"])
    assert client.post(f"{PIECE}/versions/{v}/publish", headers=h["sup"]).status_code == 200
    path = root / "vi" / "hotline-numbers.md"
    text = path.read_text("utf-8")
    path.write_text(
        re.sub(r"^title: .*$", "title: Tiêu đề từ tệp", text, count=1, flags=re.M), "utf-8"
    )
    with unit_of_work(hotline_rt.sessions) as s:
        report = import_library(s, load_files(root))
    assert report.drafts == 1 and report.updated == 0
    listed = client.get("/api/v1/content/pieces?origin=console", headers=h["sup"]).json()
    mine = next(p for p in listed if (p["id"], p["lang"]) == ("hotline-numbers", "vi"))
    assert mine["title"] == "Số điện thoại (bảng điều khiển)"
    assert (mine["pending_status"], mine["pending_version"]) == ("draft", v + 1)
    hist = client.get(f"{PIECE}/versions", headers=h["sup"]).json()
    assert hist[0]["origin"] == "file" and hist[0]["snapshot"]["title"] == "Tiêu đề từ tệp"


def test_quiz_and_red_flag_items(client, api) -> None:  # type: ignore[no-untyped-def]
    h = api["h"]
    quiz = client.get("/api/v1/content/quiz?topic=hotlines", headers=h["com1"]).json()
    assert quiz and all(q["kind"] == "quiz_question" for q in quiz)
    qid = quiz[0]["id"]
    data = client.get(f"/api/v1/content/quiz/{qid}/versions", headers=h["com1"]).json()[0][
        "snapshot"
    ]
    data["explanation"]["vi"] = "Giải thích mới: gọi 111."
    r = client.put(f"/api/v1/content/quiz/{qid}", json={"data": data}, headers=h["com1"])
    assert r.status_code == 200
    v = r.json()["version"]
    client.post(f"/api/v1/content/quiz/{qid}/versions/{v}/submit", headers=h["com1"])
    assert (
        client.post(
            f"/api/v1/content/quiz/{qid}/versions/{v}/publish", headers=h["sup"]
        ).status_code
        == 200
    )
    new_flag = {
        "title": {"vi": "Hứa hẹn quá tốt", "en": "Too good"},
        "explain": {"vi": "Cẩn thận.", "en": "Careful."},
        "weight": 2,
        "keywords": ["qua tot"],
    }
    r = client.post(
        "/api/v1/content/redflags", json={"id": "too-good", "data": new_flag}, headers=h["com2"]
    )
    assert r.status_code == 201, r.text
    bad = dict(new_flag, weight="nhiều")
    r = client.post(
        "/api/v1/content/redflags", json={"id": "bad-flag", "data": bad}, headers=h["com2"]
    )
    assert (
        r.status_code == 422 and "weight" in r.json()["detail"]["problems"][0]["params"]["message"]
    )
    flags = client.get("/api/v1/content/redflags?status=draft", headers=h["sup"]).json()
    assert [f["id"] for f in flags] == ["too-good"]


def test_faq_entries_are_edited_and_published_over_the_api(client, api) -> None:  # type: ignore[no-untyped-def]
    h = api["h"]
    entries = client.get("/api/v1/content/faq", headers=h["com1"]).json()
    assert "hotline-trafficking" in {e["id"] for e in entries}
    assert client.get("/api/v1/content/faq", headers=h["op"]).status_code == 403
    entry = {
        "topic": "hotlines",
        "answer": {"vi": "Gọi 111, miễn phí, 24/7.", "en": "Call 111, free, 24/7."},
        "questions": {"vi": ["Số nào gọi miễn phí?"], "en": ["Which number is free?"]},
        "read_more": {"piece": "hotline-numbers", "part": 0},
    }
    r = client.post(
        "/api/v1/content/faq", json={"id": "free-number", "data": entry}, headers=h["com1"]
    )
    assert r.status_code == 201, r.text
    v = r.json()["version"]
    bad = dict(entry, answer={"vi": "Gọi 0987 654 321.", "en": "Call 0987 654 321."})
    r = client.post(
        "/api/v1/content/faq", json={"id": "bad-number", "data": bad}, headers=h["com1"]
    )
    assert r.status_code == 422  # a number that is not in the contacts directory
    assert (
        client.post(
            f"/api/v1/content/faq/free-number/versions/{v}/submit", headers=h["com1"]
        ).status_code
        == 200
    )
    r = client.post(f"/api/v1/content/faq/free-number/versions/{v}/publish", headers=h["com2"])
    assert r.status_code == 200, r.text
