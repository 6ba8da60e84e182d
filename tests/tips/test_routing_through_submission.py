"""Every rule of content/routing.yml, from a submitted tip to its recipients (worker routing)."""

from __future__ import annotations

import secrets

import pytest

from hotline import worker
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.routing.engine import RuleSet
from hotline.tips import service
from hotline.tips.models import Tip, Urgency
from hotline.tips.reasons import Reason, parse
from hotline.tips.schemas import TipDraft
from nlu.entities import extract

COVERED: set[str] = set()


def draft(**kw: object) -> TipDraft:
    base: dict[str, object] = {
        "submission_token": secrets.token_hex(16),
        "draft_ref": secrets.token_hex(16),
        "channel": "webchat",
    }
    base.update(kw)
    return TipDraft.model_validate(base)


def submit_and_route(rt, d: TipDraft) -> tuple[Tip, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Submit like the intake dialog does, then let one worker tick route it."""
    with unit_of_work(rt.sessions) as s:
        tip_id = service.submit_tip(s, rt, d).tip.id
    assert worker.tick(rt, {})["routed"] == 1
    with unit_of_work(rt.sessions) as s:
        tip = s.get_one(Tip, tip_id)
        s.expunge(tip)
        recs = {r.agency_code: list(r.rule_ids) for r in casework.recipients(s, tip_id)}
    for rules in recs.values():
        COVERED.update(rules)
    return tip, recs


def test_inland_tip_goes_to_the_provincial_police(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _tip, recs = submit_and_route(
        hotline_rt, draft(what="Có người rủ chị tôi đi làm giúp việc", province="Hà Nội")
    )
    assert recs == {"ha-noi-police": ["province_police"]}


def test_border_market_in_lao_cai_reaches_its_border_guard(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    tip, recs = submit_and_route(
        hotline_rt,
        draft(
            what="Ở chợ biên giới có người hay dụ phụ nữ đi lấy chồng",
            place="chợ phiên Bắc Hà",
            province="Lào Cai",
        ),
    )
    assert tip.destination_country is None
    assert Reason.BORDER_AREA in parse(tip.urgency_reasons)
    assert list(recs) == ["lao-cai-police", "lao-cai-border-guard"]
    assert recs["lao-cai-border-guard"] == ["border_or_sea"]


def test_a_fishing_boat_is_the_sea_not_china(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    story = "Anh tôi được rủ đi làm trên tàu cá, bị giữ trên tàu mấy tháng không được về"
    assert not [e for e in extract(story) if e["entity"] == "country"]
    tip, recs = submit_and_route(hotline_rt, draft(what=story, province="Cà Mau"))
    assert tip.destination_country is None and not tip.crosses_border
    assert Reason.SEA_AREA in parse(tip.urgency_reasons)
    assert "ca-mau-border-guard" in recs


def test_border_tip_without_a_province_goes_to_the_desk(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    tip, recs = submit_and_route(
        hotline_rt, draft(what="Em họ tôi bị đưa đi làm", destination_country="Campuchia")
    )
    assert tip.province is None
    assert recs == {"national-desk": ["border_or_sea_unknown_province", "unknown_province"]}


@pytest.mark.parametrize("child", [None, "no"])
def test_fifteen_year_olds_reach_child_protection(hotline_rt, child) -> None:  # type: ignore[no-untyped-def]
    tip, recs = submit_and_route(
        hotline_rt,
        draft(
            what="Có mấy em gái 15 tuổi được rủ lên thành phố làm quán",
            province="Hà Nội",
            child=child,
        ),
    )
    assert tip.child_involved is True and tip.urgency == Urgency.CRISIS
    assert recs["national-111"] == ["child_protection"]
    assert recs["ha-noi-social"] == ["child_protection"]


def test_unsure_age_counts_as_a_child(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _tip, recs = submit_and_route(
        hotline_rt, draft(what="Một bạn gái bị dụ đi", province="Huế", child="unsure")
    )
    assert "national-111" in recs and "hue-social" in recs


def test_victim_asking_for_support_reaches_social_services(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    tip, recs = submit_and_route(
        hotline_rt,
        draft(what="Tôi mới trốn về được, cần chỗ ở và tư vấn luật sư", province="Hà Nội"),
    )
    assert Reason.VICTIM_SUPPORT in parse(tip.urgency_reasons)
    assert recs["ha-noi-social"] == ["victim_support"]
    _, by_victim = submit_and_route(
        hotline_rt, draft(what="Tôi bị lừa", province="Hà Nội", reporter_is_victim=True)
    )
    assert by_victim["ha-noi-social"] == ["victim_support"]


def test_unknown_province_goes_to_the_desk(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _tip, recs = submit_and_route(hotline_rt, draft(what="Có người lạ hỏi mua giấy tờ"))
    assert recs == {"national-desk": ["unknown_province"]}


def test_scam_compound_story_is_not_filed_as_a_job_offer(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    tip, _ = submit_and_route(
        hotline_rt,
        draft(
            what="Tuyển việc nhẹ lương cao sang Campuchia, thật ra là công ty lừa đảo trực tuyến",
            tactic="job_offer",
            province="An Giang",
            destination_country="Campuchia",
        ),
    )
    assert tip.tactic == "scam_compound"


def test_every_rule_was_exercised_through_submission(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    """Runs last in this module: each rule of routing.yml chose a recipient above."""
    rules = {r.id for r in RuleSet.load(hotline_rt.settings.content_dir / "routing.yml").rules}
    assert rules <= COVERED, rules - COVERED
