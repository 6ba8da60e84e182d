"""A tip whose place is a land-border or coastal district (nlu/border_areas.yml) reaches the
Border Guard unit of its province, through submission and the worker's routing."""

from __future__ import annotations

import secrets

import pytest

from hotline.tips.reasons import Reason, parse
from hotline.tips.schemas import TipDraft
from tests.tips.test_routing_through_submission import submit_and_route


def draft(**kw: object) -> TipDraft:
    base: dict[str, object] = {
        "submission_token": secrets.token_hex(16),
        "draft_ref": secrets.token_hex(16),
        "channel": "webchat",
        "what": "Có người lạ hay đến rủ con gái trong bản đi làm xa, hứa lương cao",
    }
    base.update(kw)
    return TipDraft.model_validate(base)


@pytest.mark.parametrize(
    ("place", "province", "police", "border_guard"),
    [
        # China: a district of former Hà Giang, now Tuyên Quang, with no border gate in the data.
        ("huyện Hoàng Su Phì", "Tuyên Quang", "tuyen-quang-police", "tuyen-quang-border-guard"),
        # Laos: typed without marks, no province given.
        ("o huyen tuong duong", "Nghệ An", "nghe-an-police", "nghe-an-border-guard"),
        # Cambodia: a district of former Long An, now Tây Ninh.
        ("huyện Tân Hưng", "Tây Ninh", "tay-ninh-police", "tay-ninh-border-guard"),
        # A border commune (before 2025) of Đồng Tháp.
        ("xã Thông Bình", "Đồng Tháp", "dong-thap-police", "dong-thap-border-guard"),
    ],
)
def test_a_sourced_land_border_place_reaches_its_border_guard(  # type: ignore[no-untyped-def]
    hotline_rt, place: str, province: str, police: str, border_guard: str
) -> None:
    tip, recs = submit_and_route(hotline_rt, draft(place=place))
    reasons = parse(tip.urgency_reasons)
    assert tip.province == province
    assert Reason.BORDER_AREA in reasons
    assert Reason.PLACE_UNCHECKED not in reasons  # these rows name their source
    assert list(recs) == [police, border_guard]
    assert recs[border_guard] == ["border_or_sea"]


def test_an_unverified_border_row_still_routes_and_says_so(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    # Bảo Thắng (Lào Cai) is in the data without a source: routed, and the operator is told.
    tip, recs = submit_and_route(hotline_rt, draft(place="huyện Bảo Thắng", province="Lào Cai"))
    reasons = parse(tip.urgency_reasons)
    assert Reason.BORDER_AREA in reasons and Reason.PLACE_UNCHECKED in reasons
    assert "lao-cai-border-guard" in recs


def test_a_coastal_district_reaches_the_border_guard(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    # Cần Giờ: the coastal district of Thành phố Hồ Chí Minh; nothing in the story says "sea".
    tip, recs = submit_and_route(hotline_rt, draft(place="huyện Cần Giờ"))
    reasons = parse(tip.urgency_reasons)
    assert tip.province == "Thành phố Hồ Chí Minh"
    assert Reason.COASTAL_AREA in reasons and Reason.BORDER_AREA not in reasons
    assert Reason.PLACE_UNCHECKED in reasons  # Cần Giờ's row names no source yet
    assert list(recs) == ["tp-ho-chi-minh-police", "tp-ho-chi-minh-border-guard"]


def test_a_sourced_coastal_commune_reaches_the_border_guard(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    # Ngư Lộc (Hậu Lộc, Thanh Hóa): a coastal commune named by its source; the commune alone.
    tip, recs = submit_and_route(hotline_rt, draft(place="xã Ngư Lộc"))
    reasons = parse(tip.urgency_reasons)
    assert tip.province == "Thanh Hóa"
    assert Reason.COASTAL_AREA in reasons and Reason.PLACE_UNCHECKED not in reasons
    assert list(recs) == ["thanh-hoa-police", "thanh-hoa-border-guard"]


@pytest.mark.parametrize(
    ("place", "province"),
    [("huyện Gia Lâm", "Hà Nội"), ("huyện Văn Bàn", "Lào Cai"), ("huyện Cai Lậy", "Đồng Tháp")],
)
def test_an_inland_district_stays_with_the_police(  # type: ignore[no-untyped-def]
    hotline_rt, place: str, province: str
) -> None:
    tip, recs = submit_and_route(hotline_rt, draft(place=place, province=province))
    reasons = parse(tip.urgency_reasons)
    assert not {Reason.BORDER_AREA, Reason.COASTAL_AREA, Reason.PLACE_UNCHECKED} & set(reasons)
    assert [code for code in recs if code.endswith("border-guard")] == []
