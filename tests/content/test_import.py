"""`content import`: idempotent, updates file-owned content, never overwrites console edits."""

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from hotline.content import admin
from hotline.content import repository as repo
from hotline.content.loader import load_files
from hotline.content.models import ContentPiece, ContentStatus, ItemKind
from hotline.content.service import ContentCache, import_library, versions
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.quiz.service import knowledge_rates, record_answer, set_profile
from tests.hotline.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    for sub in ("vi", "en", "quizzes", "offers"):
        shutil.copytree(ROOT / "content" / sub, dst / sub)
    return dst


def _console_edit(s, piece_id: str, lang: str, title: str, author: str) -> None:  # type: ignore[no-untyped-def]
    """A console edit the reviewed way: drafted by `author`, published by another communicator."""
    ref = admin.Ref("piece", piece_id, lang)
    writer, reviewer = (
        make_user(s, author, "communicator"),
        make_user(s, f"{author}-rv", "communicator"),
    )
    data = dict(admin.working_copy(s, ref).snapshot)
    data["title"] = title
    v = admin.save_piece(s, writer.username, piece_id, lang, data)
    admin.submit(s, writer.username, ref, v.version)
    admin.publish(s, reviewer, ref, v.version)


def test_import_is_idempotent_and_respects_console_edits(hotline_rt, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    with unit_of_work(hotline_rt.sessions) as s:
        first = import_library(s, load_files(root))
    pieces = len(load_files(root).pieces)
    assert first.created == pieces + len(load_files(root).items) and first.updated == 0
    with unit_of_work(hotline_rt.sessions) as s:
        again = import_library(s, load_files(root))
        assert (again.created, again.updated, again.drafts) == (0, 0, 0)
        assert s.scalar(select(func.count()).select_from(ContentPiece)) == pieces

    # A file change updates a file-owned piece and records version 2.
    path = root / "vi" / "hotline-numbers.md"
    path.write_text(
        path.read_text("utf-8").replace("Hãy lưu những số", "Nhớ lưu những số", 1), "utf-8"
    )
    with unit_of_work(hotline_rt.sessions) as s:
        report = import_library(s, load_files(root))
        assert report.updated == 1
        piece = repo.get_piece(s, "hotline-numbers", "vi")
        assert piece is not None and piece.version == 2 and "Nhớ lưu những số" in piece.parts[0]
        hist = versions(s, "piece", "hotline-numbers", "vi")
        assert [v.status for v in hist] == [ContentStatus.SUPERSEDED, ContentStatus.PUBLISHED]

    # A communicator edits it in the console: the piece now belongs to the console.
    with unit_of_work(hotline_rt.sessions) as s:
        _console_edit(s, "hotline-numbers", "vi", "Số cần nhớ (sửa)", "communicator1")
    path.write_text(
        path.read_text("utf-8").replace("Nhớ lưu những số", "Xin lưu những số", 1), "utf-8"
    )
    for expected_drafts in (1, 0):  # the second import does not add the same draft again
        with unit_of_work(hotline_rt.sessions) as s:
            report = import_library(s, load_files(root))
            assert report.drafts == expected_drafts and report.updated == 0
    with unit_of_work(hotline_rt.sessions) as s:
        piece = repo.get_piece(s, "hotline-numbers", "vi")
        assert piece is not None and piece.title == "Số cần nhớ (sửa)" and piece.origin == "console"
        assert "Nhớ lưu những số" in piece.parts[0]
        hist = versions(s, "piece", "hotline-numbers", "vi")
        assert hist[-1].status == ContentStatus.DRAFT and hist[-1].origin == "file"
        assert "Xin lưu những số" in hist[-1].snapshot["parts"][0]
        assert repo.get_item(s, ItemKind.QUIZ_QUESTION, "tactics-01") is not None


def test_cache_reloads_when_the_revision_changes(hotline_rt, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    cache = ContentCache(root)
    with unit_of_work(hotline_rt.sessions) as s:
        # Before any import the library comes from the files.
        assert cache.get(s).piece("hotline-numbers", "en") is not None
        import_library(s, load_files(root))
    with unit_of_work(hotline_rt.sessions) as s:
        lib = cache.get(s)
        assert cache.get(s) is lib  # cached
        _console_edit(s, "victims-rights", "en", "Your rights (edited)", "c1")
    with unit_of_work(hotline_rt.sessions) as s:
        lib2 = cache.get(s)
        assert lib2 is not lib
        assert lib2.piece("victims-rights", "en").title == "Your rights (edited)"


def test_knowledge_rates_by_topic_and_province(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        for i, correct in enumerate([True, True, False, True]):
            record_answer(
                s,
                round_id="r1",
                topic="law",
                question_id=f"law-0{i}",
                correct=correct,
                channel="webchat",
            )
        record_answer(
            s, round_id="r2", topic="law", question_id="law-01", correct=False, channel="telegram"
        )
        assert set_profile(s, "r1", "Lào Cai", "18_24") == 4
    now = utcnow()
    with unit_of_work(hotline_rt.sessions) as s:
        rates = knowledge_rates(s, now - timedelta(hours=1), now + timedelta(hours=1))
        by_province = {r.province: r for r in rates}
        assert by_province["Lào Cai"].answered == 4 and by_province["Lào Cai"].correct == 3
        assert by_province["Lào Cai"].share == 0.75
        assert by_province[None].answered == 1 and by_province[None].share == 0.0
        assert knowledge_rates(s, now + timedelta(hours=1), now + timedelta(hours=2)) == []
