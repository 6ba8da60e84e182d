"""FAQ: retrieval (pure), the lint rules, and editing an entry in the console like a quiz."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.content import admin
from hotline.content.faq import (
    FaqEntry,
    FaqIndex,
    Hit,
    decide,
    looks_english,
    on_topic,
    reply_lang,
    terms,
)
from hotline.content.lint import lint_content, lint_faq, piece_parts
from hotline.content.loader import ItemRecord, LibraryFiles, load_files
from hotline.content.models import ItemKind
from hotline.content.service import import_library, library_from_files
from hotline.db.session import unit_of_work
from tests.content.chat import Chat
from tests.hotline.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
DEV = Path(__file__).with_name("faq_dev.yml")


@pytest.fixture(scope="module")
def files() -> LibraryFiles:
    return load_files(ROOT / "content")


@pytest.fixture(scope="module")
def index(files: LibraryFiles) -> FaqIndex:
    return library_from_files(files).faq_index


def _best(index: FaqIndex, text: str) -> Hit:
    hits = index.search(text)
    assert hits, text
    return hits[0]


# --- retrieval ----------------------------------------------------------------------------


def test_terms_fold_marks_expand_teencode_and_keep_pairs() -> None:
    marked = terms("Số điện thoại báo tin")
    plain = terms("so dien thoai bao tin")
    teen = terms("sdt bao tin")
    assert set(plain) <= set(marked) and set(plain) <= set(teen)
    assert "dien_thoai" in plain and "bao_tin" in plain
    # With marks, "báo" (report) and "bảo" (protect) stay apart; without, they fold together.
    assert "~báo" in marked and "~bảo" in terms("bảo vệ trẻ em")
    assert terms("trafficked") == terms("trafficking")


def test_the_library_has_the_issue_topics(files: LibraryFiles) -> None:
    faq = [i for i in files.items if i.kind == ItemKind.FAQ]
    assert len(faq) >= 60
    topics = {i.data["topic"] for i in faq}
    assert {"hotlines", "tactics", "signs", "safe_migration", "law", "rights"} <= topics
    answers = " ".join(i.data["answer"]["vi"] for i in faq)
    for fact in ("111", "113", "+84 981 84 84 84", "+84 965 41 11 18", "30/7", "793/QĐ-TTg"):
        assert fact in answers, fact
    for fact in ("53/2024/QH15", "01/07/2025", "Điều 150", "Điều 151", "Điều 154", "Điều 187"):
        assert fact in answers, fact
    assert "Điều 37" in answers and "trợ giúp pháp lý miễn phí" in answers


@pytest.mark.parametrize(
    ("text", "faq_id"),
    [
        ("so dien thoai bao tin buon nguoi la bao nhieu", "hotline-trafficking"),
        ("sdt bao tin buon ng la bn", "hotline-trafficking"),
        ("Ngày toàn dân phòng chống mua bán người là ngày nào?", "trafficking-day-30-7"),
        ("Đi xuất khẩu lao động thế nào cho an toàn?", "safe-labour-migration"),
        ("Bọn buôn người hay dụ dỗ bằng cách nào?", "lure-tactics-overview"),
        ("Người Việt bị lừa sang Campuchia làm gì?", "scam-compounds-cambodia"),
        ("Tôi ở nước ngoài bị giữ hộ chiếu thì liên hệ ai?", "passport-taken-abroad"),
        ("I'm abroad and my passport was taken, who do I contact?", "passport-taken-abroad"),
        ("Tôi vừa được giải cứu về, tôi sợ bị mọi người dị nghị", "returnee-stigma"),
        ("đẻ thuê có phạm pháp không", "surrogacy"),
        ("bán thận trả nợ có sao không", "organ-sale"),
    ],
)
def test_issue_questions_find_their_entry(index: FaqIndex, text: str, faq_id: str) -> None:
    assert _best(index, text).entry.faq_id == faq_id


def test_own_dev_questions_mostly_answered_with_the_fact(index: FaqIndex) -> None:
    questions = yaml.safe_load(DEV.read_text(encoding="utf-8"))
    ok = 0
    for q in questions:
        d = decide(index.search(q["text"]), strict=False)
        if d.action == "answer" and d.best is not None:
            answer = d.best.entry.answer_in(reply_lang(q["text"], d.best, "vi")).casefold()
            ok += all(any(a.casefold() in answer for a in g) for g in q["must_contain_any"])
    assert ok / len(questions) >= 0.85, ok


def test_language_of_the_answer() -> None:
    assert looks_english("what is the hotline number")
    assert not looks_english("so dien thoai la bao nhieu")
    entry = FaqEntry("x", "t", {"vi": "Gọi 111", "en": "Call 111"}, {"vi": ("a",), "en": ("b",)})
    assert reply_lang("who do I call", Hit(entry, 10, 1, "vi"), "vi") == "en"
    assert reply_lang("số điện thoại", Hit(entry, 10, 1, "en"), "en") == "vi"
    assert reply_lang("so dien thoai", Hit(entry, 10, 1, "vi"), "en") == "vi"


def test_decide_answers_clarifies_only_on_a_real_tie_and_stays_silent() -> None:
    a = FaqEntry("a", "t", {"vi": "A", "en": "A"}, {"vi": ("a",), "en": ("a",)})
    b = FaqEntry("b", "t", {"vi": "B", "en": "B"}, {"vi": ("b",), "en": ("b",)})
    assert decide([], strict=False).action == "none"
    assert decide([Hit(a, 20, 1.0, "vi"), Hit(b, 19.8, 0.97, "vi")], strict=False).action == (
        "clarify"
    )
    # Close but not a tie: answer the best, the other is a button.
    d = decide([Hit(a, 20, 1.0, "vi"), Hit(b, 19.0, 0.95, "vi")], strict=False)
    assert (d.action, d.other is not None) == ("answer", True)
    # As strong but covering much less of the question: answer, offer the other as a button.
    d = decide([Hit(a, 20, 1.0, "vi"), Hit(b, 19.5, 0.5, "vi")], strict=False)
    assert (d.action, d.other is not None) == ("answer", True)
    d = decide([Hit(a, 20, 1.0, "vi"), Hit(b, 5, 0.9, "vi")], strict=False)
    assert (d.action, d.other) == ("answer", None)
    assert decide([Hit(a, 8, 0.65, "vi")], strict=False).action == "answer"
    assert decide([Hit(a, 8, 0.65, "vi")], strict=True).action == "none"


def test_small_talk_is_not_answered_in_strict_mode(index: FaqIndex) -> None:
    for text in ("xin chào", "hôm nay trời đẹp quá", "bạn tên gì", "ok", "haha", "how are you"):
        assert decide(index.search(text), strict=True).action == "none", text


def test_search_cost_is_small(index: FaqIndex) -> None:
    import time

    # Best of 20 runs: the other processes of a shared test machine do not count.
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        index.search("Tôi ở nước ngoài bị giữ hộ chiếu thì liên hệ ai?")
        runs.append(time.perf_counter() - started)
    assert min(runs) < 0.005


# --- lint ---------------------------------------------------------------------------------


def test_the_content_faq_passes_lint() -> None:
    assert lint_content(ROOT / "content") == []


def _faq_item(**changes: Any) -> ItemRecord:
    data: dict[str, Any] = {
        "id": "x",
        "topic": "hotlines",
        "answer": {"vi": "Gọi 111.", "en": "Call 111."},
        "questions": {"vi": ["Số nào?"], "en": ["Which number?"]},
        "read_more": {"piece": "hotline-numbers", "part": 0},
    }
    data.update(changes)
    return ItemRecord(ItemKind.FAQ, "x", "hotlines", 0, data, "faq/t.yml")


def test_lint_faq_catches_missing_language_phrasings_and_bad_read_more(files) -> None:  # type: ignore[no-untyped-def]
    parts = piece_parts(files)
    ok = LibraryFiles(items=[_faq_item()])
    assert lint_faq(ok, parts) == []
    bad = [
        _faq_item(answer={"vi": "Gọi 111."}),
        _faq_item(questions={"vi": ["Số nào?"], "en": []}),
        _faq_item(read_more={"piece": "no-such-piece", "part": 0}),
        _faq_item(read_more={"piece": "hotline-numbers", "part": 9}),
        _faq_item(topic=""),
        _faq_item(answer={"vi": "x" * 501, "en": "Call 111."}),
    ]
    for item in bad:
        assert lint_faq(LibraryFiles(items=[item]), parts), item.data


def test_unknown_numbers_in_an_answer_are_refused(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    path = root / "faq" / "hotlines.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Gọi 111:", "Gọi 0912 345 678:", 1), encoding="utf-8")
    problems = lint_content(root)
    assert any("hotline-trafficking" in p and "0912 345 678" in p for p in problems), problems


# --- editing in the console and the API's service ----------------------------------------


def _csrf(client: Any, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None, path
    return found.group(1)


def _login(client: Any, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/console/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": _csrf(client, "/console/login"),
        },
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text


def test_console_edits_reviews_and_publishes_a_faq_entry(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(bot_rt.hotline.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
        make_user(s, "com1", "communicator")
        make_user(s, "com2", "communicator")
    _login(client, "com1")
    listing = client.get("/console/content?kind=faq")
    assert listing.status_code == 200 and "hotline-trafficking" in listing.text
    page = "/console/content/faq/hotline-trafficking"
    editor = client.get(page)
    assert editor.status_code == 200 and "read_more" in editor.text
    with unit_of_work(bot_rt.hotline.sessions) as s:
        data = copy.deepcopy(
            admin.working_copy(s, admin.Ref("faq", "hotline-trafficking")).snapshot
        )
    data.pop("id")
    data.pop("topic")
    data["answer"]["vi"] = "Gọi 111 (miễn phí, 24/7): đường dây nóng quốc gia. Bản sửa."
    bad = copy.deepcopy(data)
    bad["answer"]["vi"] = "Gọi 0912 345 678."
    r = client.post(
        page,
        data={"csrf_token": _csrf(client, page), "data": yaml.safe_dump(bad, allow_unicode=True)},
        follow_redirects=False,
    )
    assert r.status_code == 422
    r = client.post(
        page,
        data={
            "csrf_token": _csrf(client, page),
            "data": yaml.safe_dump(data, allow_unicode=True),
            "note": "sửa câu trả lời",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with unit_of_work(bot_rt.hotline.sessions) as s:
        v = admin.working_copy(s, admin.Ref("faq", "hotline-trafficking"))
        assert (v.status, v.snapshot["topic"]) == ("draft", "hotlines")
        number = v.version
    chat = Chat(client)
    chat.send(text="so dien thoai bao tin buon nguoi la bao nhieu")
    assert "Bản sửa" not in chat.messages[0]["text"]  # a draft is not live
    action = page + "/action"
    r = client.post(
        action,
        data={"csrf_token": _csrf(client, page), "action": "submit", "version": number},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=submit" in r.headers["location"]
    _login(client, "com2")
    r = client.post(
        action,
        data={"csrf_token": _csrf(client, page), "action": "publish", "version": number},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "done=publish" in r.headers["location"], r.headers
    chat = Chat(client)
    chat.send(text="so dien thoai bao tin buon nguoi la bao nhieu")
    assert "Bản sửa" in chat.messages[0]["text"]


def test_save_item_creates_a_faq_entry_with_its_topic(bot_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(bot_rt.hotline.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
        data = _faq_item().data | {"id": "new-entry"}
        v = admin.save_item(s, "com1", "faq", "new-entry", data, create=True)
        assert v.snapshot["topic"] == "hotlines"
        rows = admin.list_content(s, "faq", topic="hotlines")
        assert any(r.ref.item_id == "new-entry" and r.title == "Số nào?" for r in rows)
        bad = data | {"id": "broken", "read_more": {"piece": "nope", "part": 0}}
        with pytest.raises(admin.Invalid):
            admin.save_item(s, "com1", "faq", "broken", bad, create=True)


SHARED_DEV = ROOT / "tests" / "evalsets" / "questions_dev.yml"


@pytest.mark.skipif(not SHARED_DEV.exists(), reason="shared dev set not present")
def test_shared_dev_set_answered_with_few_clarifications(index: FaqIndex) -> None:
    # The numbers in docs/benchmarks.md ("FAQ") come from bench/qa_bench.py on this set.
    data = yaml.safe_load(SHARED_DEV.read_text(encoding="utf-8"))
    questions = data.get("items") if isinstance(data, dict) else data
    answered = clarify = 0
    for q in questions:
        d = decide(index.search(q["text"]), strict=False)
        clarify += d.action == "clarify"
        if d.action == "answer" and d.best is not None:
            answer = d.best.entry.answer_in(reply_lang(q["text"], d.best, "vi")).casefold()
            answered += all(
                any(str(a).casefold() in answer for a in g) for g in q["must_contain_any"]
            )
    # Retrieval alone: the outside rounds' questions (r5q-…r9q-) include some that the chat answers
    # by another path (the missions directory, a crisis answer); tests/eval scores the whole chat.
    assert answered / len(questions) >= 0.92, answered
    assert clarify / len(questions) < 0.05, clarify


def _entry(faq_id: str, topic: str) -> FaqEntry:
    return FaqEntry(faq_id, topic, {"vi": faq_id, "en": faq_id}, {"vi": ("a",), "en": ("b",)})


def test_a_confident_intent_brings_its_topic_forward_when_close() -> None:
    child = Hit(_entry("child-victim", "rights"), 16.7, 0.87, "vi")
    lure = Hit(_entry("lure-tactics-overview", "tactics"), 14.0, 0.85, "vi")
    far = Hit(_entry("lure-far", "tactics"), 5.0, 0.9, "vi")
    # The off-topic reading above it is dropped, so no "which one did you mean".
    assert on_topic([child, lure], ("tactics",)) == [lure]
    assert on_topic([child, far], ("tactics",)) == [child, far]  # too weak to win
    assert on_topic([child, lure], ()) == [child, lure]  # no intent: the ranking stands
    narrow = Hit(_entry("lure-narrow", "tactics"), 15.0, 0.5, "vi")
    assert on_topic([child, narrow], ("tactics",)) == [child, narrow]  # covers far less
