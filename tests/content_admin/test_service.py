"""Content administration service: drafts, two-person publish, roll back, diff, import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.content import admin
from hotline.content import repository as repo
from hotline.content.loader import load_files
from hotline.content.models import ContentStatus
from hotline.content.service import ContentCache, import_library
from hotline.db.session import unit_of_work
from tests.hotline.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
REF = admin.Ref("piece", "hotline-numbers", "vi")


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    for sub in ("vi", "en", "quizzes", "offers"):
        shutil.copytree(ROOT / "content" / sub, dst / sub)
    return dst


def _fields(session, ref: admin.Ref = REF, **changes):  # type: ignore[no-untyped-def]
    data = dict(admin.working_copy(session, ref).snapshot)
    data.update(changes)
    return data


@pytest.fixture
def world(hotline_rt, tmp_path: Path):  # type: ignore[no-untyped-def]
    root = _copy(tmp_path)
    with unit_of_work(hotline_rt.sessions) as s:
        import_library(s, load_files(root))
        users = {
            n: make_user(s, n, r)
            for n, r in (("com1", "communicator"), ("com2", "communicator"), ("sup", "supervisor"))
        }
        ids = {n: u.id for n, u in users.items()}
    return {"root": root, "ids": ids}


def _user(s, world, name):  # type: ignore[no-untyped-def]
    from hotline.users.models import StaffUser

    return s.get(StaffUser, world["ids"][name])


def test_draft_review_publish_with_two_people_and_cache(hotline_rt, world) -> None:  # type: ignore[no-untyped-def]
    cache = ContentCache(world["root"])
    with unit_of_work(hotline_rt.sessions) as s:
        before = cache.get(s).piece("hotline-numbers", "vi")
        assert before is not None
        parts = list(before.parts)
        parts[0] = "Bản mới: gọi 111 miễn phí."
        v = admin.save_piece(s, "com1", "hotline-numbers", "vi", _fields(s, parts=parts), "sửa")
        number = v.version
    with unit_of_work(hotline_rt.sessions) as s:
        # A draft is not live: citizens still read the old text.
        assert cache.get(s).piece("hotline-numbers", "vi").parts[0] == before.parts[0]
        with pytest.raises(admin.AdminError, match="not_in_review"):
            admin.publish(s, _user(s, world, "com2"), REF, number)
        admin.submit(s, "com1", REF, number)
        assert [q.item_id for q in admin.review_queue(s)] == ["hotline-numbers"]
        with pytest.raises(admin.NotAllowed):
            admin.publish(s, _user(s, world, "com1"), REF, number)
    with unit_of_work(hotline_rt.sessions) as s:
        admin.publish(s, _user(s, world, "com2"), REF, number)
    with unit_of_work(hotline_rt.sessions) as s:
        assert cache.get(s).piece("hotline-numbers", "vi").parts[0] == "Bản mới: gọi 111 miễn phí."
        row = repo.get_piece(s, "hotline-numbers", "vi")
        assert (row.version, row.origin, row.updated_by) == (number, "console", "com2")
        statuses = [v.status for v in admin.history(s, REF)]
        assert (
            statuses[0] == ContentStatus.PUBLISHED and ContentStatus.PUBLISHED not in statuses[1:]
        )
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.target == REF.target)))
        assert actions == ["content.draft_saved", "content.submitted", "content.published"]
        d = admin.diff(s, REF, number - 1, number)
        assert d[0].field == "parts" and any(line.startswith("+Bản mới") for line in d[0].lines)


def test_validation_refuses_long_parts_unknown_numbers_broken_links(hotline_rt, world) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        data = _fields(s, parts=["x" * 701, "Gọi 0912 345 678 ngay"], related=["no-such-piece"])
        with pytest.raises(admin.Invalid) as err:
            admin.save_piece(s, "com1", "hotline-numbers", "vi", data)
        codes = {p.code for p in err.value.problems}
        assert codes == {"part_too_long", "unknown_number", "broken_related"}
        bad = dict(admin.working_copy(s, admin.Ref("quiz_question", "hotlines-01")).snapshot)
        bad["answer"] = 7
        with pytest.raises(admin.Invalid) as err:
            admin.save_item(s, "com1", "quiz_question", "hotlines-01", bad)
        assert "answer" in err.value.problems[0].params["message"]


def test_unpublish_rollback_and_new_piece(hotline_rt, world) -> None:  # type: ignore[no-untyped-def]
    cache = ContentCache(world["root"])
    with unit_of_work(hotline_rt.sessions) as s:
        admin.unpublish(s, "sup", REF)
    with unit_of_work(hotline_rt.sessions) as s:
        assert cache.get(s).pieces.get(("hotline-numbers", "vi")) is None
        v = admin.rollback(s, "com1", REF, 1)
        assert v.version == 2 and v.note == "rollback to v1"
    with unit_of_work(hotline_rt.sessions) as s:
        assert cache.get(s).pieces.get(("hotline-numbers", "vi")) is not None
        data = _fields(s, title="Bài mới", topic="hotlines", parts=["Gọi 111."], related=[])
        new = admin.save_piece(s, "com1", "brand-new", "vi", data, create=True)
        admin.submit(s, "com1", admin.Ref("piece", "brand-new", "vi"), new.version)
        with pytest.raises(admin.AdminError, match="never_published"):
            admin.rollback(s, "sup", admin.Ref("piece", "brand-new", "vi"), new.version)
        summaries = admin.list_content(s, status="review")
        assert [x.ref.item_id for x in summaries] == ["brand-new"]
        assert cache.get(s).pieces.get(("brand-new", "vi")) is None
        admin.publish(s, _user(s, world, "sup"), admin.Ref("piece", "brand-new", "vi"), new.version)
    with unit_of_work(hotline_rt.sessions) as s:
        assert cache.get(s).piece("brand-new", "vi").title == "Bài mới"


def test_import_after_console_draft_records_file_draft(hotline_rt, world) -> None:  # type: ignore[no-untyped-def]
    ref = admin.Ref(
        "red_flag", next(i.item_id for i in load_files(world["root"]).items if i.kind == "red_flag")
    )
    with unit_of_work(hotline_rt.sessions) as s:
        data = dict(admin.working_copy(s, ref).snapshot)
        data["weight"] = 1
        v = admin.save_item(s, "com1", ref.kind, ref.item_id, data)
        admin.submit(s, "com1", ref, v.version)
        admin.publish(s, _user(s, world, "sup"), ref, v.version)
    path = world["root"] / "offers" / "red_flags.yml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "thresholds: {medium: 3, high: 6}", "thresholds: {medium: 3, high: 6}\n# edited"
        ),
        "utf-8",
    )
    files = load_files(world["root"])
    rec = next(i for i in files.items if i.item_id == ref.item_id)
    rec.data["weight"] = 9
    with unit_of_work(hotline_rt.sessions) as s:
        report = import_library(s, files)
        assert report.drafts == 1 and report.updated == 0
        row = repo.get_item(s, ref.kind, ref.item_id)
        assert row.data["weight"] == 1 and row.origin == "console"
        pending = admin.working_copy(s, ref)
        assert pending.status == "draft" and pending.origin == "file" and pending.changed_by is None
        # A reviewer may take the file's version: the item then belongs to the files again.
        admin.submit(s, "com2", ref, pending.version)
        admin.publish(s, _user(s, world, "com2"), ref, pending.version)
        row = repo.get_item(s, ref.kind, ref.item_id)
        assert row.data["weight"] == 9 and row.origin == "file"
