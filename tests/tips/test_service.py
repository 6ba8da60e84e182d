"""The tip service on a real database: once-only submission, receipt lookup, thread, links."""

from __future__ import annotations

import re
import secrets

from hotline.db.session import unit_of_work
from hotline.kit.crypto import new_receipt_code
from hotline.tips import service
from hotline.tips.models import MessageDirection, Tip, TipIdentifier, Urgency
from hotline.tips.schemas import TipDraft

CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def draft(**kw: object) -> TipDraft:
    base: dict[str, object] = {
        "submission_token": secrets.token_hex(16),
        "draft_ref": secrets.token_hex(16),
        "channel": "webchat",
        "what": f"Có người tuyển lao động sang Campuchia {secrets.token_hex(4)}",
        "recruiter": "Zalo 0912 345 678, https://www.Fake-Jobs.example.com/apply/ @tuyendung.vip",
        "province": "Lạng Sơn",
        "destination_country": "Campuchia",
    }
    base.update(kw)
    return TipDraft.model_validate(base)


def test_submit_is_once_per_draft_and_code_finds_it(hotline_rt) -> None:
    d = draft()
    with unit_of_work(hotline_rt.sessions) as s:
        tip, code = service.submit_tip(s, hotline_rt, d)
        tip_id = tip.id
    assert code is not None and CODE.match(code)
    with unit_of_work(hotline_rt.sessions) as s:
        again, code2 = service.submit_tip(s, hotline_rt, d)
    assert again.id == tip_id and code2 is None
    with unit_of_work(hotline_rt.sessions) as s:
        assert s.query(Tip).count() == 1
        found = service.find_by_receipt(s, hotline_rt.secret_key, code.lower().replace("-", " "))
        assert found is not None and found.id == tip_id
        assert service.find_by_receipt(s, hotline_rt.secret_key, new_receipt_code()) is None
        assert service.find_by_receipt(s, hotline_rt.secret_key, "nonsense") is None
        tip = service.get_tip(s, tip_id)
        assert tip is not None
        content = service.decrypt_content(hotline_rt.cipher, tip)
        assert content["what"] == d.what
        assert tip.urgency == Urgency.HIGH and "high_risk_destination" in tip.urgency_reasons
        assert tip.crosses_border is True
        assert code not in tip.receipt_hash


def test_duplicate_content_within_a_day_is_flagged_not_revealed(hotline_rt) -> None:
    d = draft()
    with unit_of_work(hotline_rt.sessions) as s:
        first, _ = service.submit_tip(s, hotline_rt, d)
        assert service.POSSIBLE_DUPLICATE not in first.urgency_reasons
    same = draft(what=d.what.upper() + "  ", recruiter=d.recruiter)
    with unit_of_work(hotline_rt.sessions) as s:
        again, code = service.submit_tip(s, hotline_rt, same)
        # The sender gets a receipt like anyone else; the operators see the flag.
        assert code is not None and CODE.match(code) and again.id != first.id
        assert service.POSSIBLE_DUPLICATE in again.urgency_reasons.split(",")


def test_identifiers_are_keyed_hashes_and_link_related_tips(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        a, _ = service.submit_tip(s, hotline_rt, draft())
        b, _ = service.submit_tip(
            s, hotline_rt, draft(recruiter="gọi +84 912345678", what="chuyện khác hẳn")
        )
        c, _ = service.submit_tip(s, hotline_rt, draft(recruiter="không biết", what="khác nữa"))
        assert service.related_tips(s, a) == [b.id]
        assert service.related_tips(s, c) == []
        rows = s.query(TipIdentifier).all()
        kinds = {r.kind for r in rows if r.tip_id == a.id}
        assert kinds == {"phone", "link", "account"}
        assert all("0912" not in r.key_hash and "fake-jobs" not in r.key_hash for r in rows)


def test_extract_identifiers() -> None:
    found = service.extract_identifiers(
        "sđt 0912.345.678 hoặc +84 987 654 321, fb.com/ban.tuyen.dung, t.me/viecnhe @Viec_Nhe"
    )
    assert ("phone", "0912345678") in found
    assert ("phone", "0987654321") in found
    assert ("link", "fb.com/ban.tuyen.dung") in found
    assert ("link", "t.me/viecnhe") in found
    assert ("account", "viec_nhe") in found


def test_thread_and_reply_handle(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        tip, _ = service.submit_tip(s, hotline_rt, draft())
        service.add_hotline_message(s, hotline_rt.cipher, tip, "op1", "Bạn thấy ở đâu?")
        assert service.unread_for_tipster(s, tip) == 1
        assert service.news_for_token(s, hotline_rt.pseudonyms, "no-such-token") is None
        token = service.set_reply_handle(s, hotline_rt.pseudonyms, tip)
        assert service.news_for_token(s, hotline_rt.pseudonyms, token) == 1
        service.add_tipster_message(s, hotline_rt.cipher, tip, "Ở chợ Đông Kinh")
        service.mark_read(s, tip, MessageDirection.HOTLINE_TO_TIPSTER)
        entries = service.thread(s, hotline_rt.cipher, tip)
        assert [e.direction for e in entries] == ["hotline_to_tipster", "tipster_to_hotline"]
        assert entries[0].author == "op1" and entries[1].author is None
        assert entries[1].text == "Ở chợ Đông Kinh"
        assert service.unread_for_tipster(s, tip) == 0
        service.remove_reply_handle(s, tip)


def _routed(hotline_rt, d: TipDraft) -> tuple[Tip, list[str]]:  # type: ignore[no-untyped-def]
    """Submit a draft and route it: the tip and its recipients' agency codes."""
    from hotline.agencies import service as agencies
    from hotline.casework import service as casework

    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        tip, _ = service.submit_tip(s, hotline_rt, d)
        casework.route_tip(s, hotline_rt.settings, tip)
        return tip, [r.agency_code for r in casework.recipients(s, tip.id)]


def test_a_tip_from_a_border_district_reaches_the_border_guard_of_its_province(
    hotline_rt,  # type: ignore[no-untyped-def]
) -> None:
    d = draft(
        what="Có người lạ hay đến bản rủ con gái đi làm xa",
        province="Lào Cai",
        place="thôn Pạc Bo, huyện Mường Khương",
        destination_country=None,
        recruiter=None,
    )
    tip, codes = _routed(hotline_rt, d)
    assert "border_area" in tip.urgency_reasons.split(",")
    assert codes[:2] == ["lao-cai-police", "lao-cai-border-guard"]


def test_a_border_gate_named_in_the_story_fills_the_province_and_the_border(
    hotline_rt,  # type: ignore[no-untyped-def]
) -> None:
    d = draft(
        what="Thấy một nhóm thanh niên bị dẫn qua đường mòn gần cửa khẩu Mộc Bài",
        province=None,
        destination_country=None,
        recruiter=None,
    )
    tip, codes = _routed(hotline_rt, d)
    assert tip.province == "Tây Ninh"
    assert "tay-ninh-border-guard" in codes


def test_an_inland_district_of_a_border_province_stays_with_the_police(
    hotline_rt,  # type: ignore[no-untyped-def]
) -> None:
    d = draft(
        what="Quán karaoke ép mấy em gái tiếp khách",
        province=None,
        place="huyện Văn Bàn",
        destination_country=None,
        recruiter=None,
    )
    tip, codes = _routed(hotline_rt, d)
    assert tip.province == "Lào Cai"  # Văn Bàn: an old district of Lào Cai
    assert "border_area" not in tip.urgency_reasons.split(",")
    assert codes == ["lao-cai-police"]
