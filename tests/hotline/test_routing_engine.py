"""The routing engine on the real content tables: every decision has its reason."""

from pathlib import Path

import pytest

from hotline.agencies.service import load_yaml
from hotline.routing.engine import AgencyRef, RuleSet, TipFacts, route
from hotline.routing.provinces import ProvinceTable, name_key

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def tables() -> tuple[ProvinceTable, RuleSet, list[AgencyRef]]:
    agencies = [
        AgencyRef(a["code"], a["kind"], a.get("province"), a.get("active", True))
        for a in load_yaml(CONTENT / "agencies.yml")
    ]
    return (
        ProvinceTable.load(CONTENT / "provinces.yml"),
        RuleSet.load(CONTENT / "routing.yml"),
        agencies,
    )


def codes(facts: TipFacts, tables) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.agency_code for d in route(facts, *tables)]


def test_province_goes_to_its_police_only(tables) -> None:  # type: ignore[no-untyped-def]
    assert codes(TipFacts(province="Hà Nội"), tables) == ["ha-noi-police"]


def test_province_names_resolve_without_diacritics_and_former_names(tables) -> None:  # type: ignore[no-untyped-def]
    provinces = tables[0]
    assert provinces.resolve("ha noi").name == "Hà Nội"
    assert provinces.resolve("Hà Giang").name == "Tuyên Quang"
    assert provinces.resolve("nowhere") is None
    assert name_key("  Thừa  Thiên-Huế ") == "thua thien hue"


def test_border_area_goes_to_border_guard(tables) -> None:  # type: ignore[no-untyped-def]
    got = codes(TipFacts(province="Lào Cai", border_area=True), tables)
    assert got[0] == "lao-cai-police"
    assert "lao-cai-border-guard" in got


def test_border_area_flag_ignored_where_there_is_no_border(tables) -> None:  # type: ignore[no-untyped-def]
    assert codes(TipFacts(province="Hà Nội", border_area=True), tables) == ["ha-noi-police"]


def test_crossing_or_going_abroad_goes_to_border_guard(tables) -> None:  # type: ignore[no-untyped-def]
    assert "quang-ninh-border-guard" in codes(
        TipFacts(province="Quảng Ninh", crosses_border=True), tables
    )
    assert "an-giang-border-guard" in codes(
        TipFacts(province="An Giang", destination_country="Campuchia"), tables
    )
    assert "an-giang-border-guard" not in codes(
        TipFacts(province="An Giang", destination_country="Việt Nam"), tables
    )


def test_crossing_from_a_province_without_border_guard_falls_back_to_the_desk(tables) -> None:  # type: ignore[no-untyped-def]
    decisions = route(TipFacts(province="Hà Nội", crosses_border=True), *tables)
    assert [d.agency_code for d in decisions] == ["ha-noi-police", "national-desk"]
    assert decisions[1].rule_ids == ["border_or_sea"]


def test_child_goes_to_111_and_social_services(tables) -> None:  # type: ignore[no-untyped-def]
    got = codes(TipFacts(province="Nghệ An", child_involved=True), tables)
    assert got == ["nghe-an-police", "national-111", "nghe-an-social"]
    assert "national-111" not in codes(TipFacts(province="Nghệ An", child_involved=None), tables)


def test_victim_support_goes_to_social_services(tables) -> None:  # type: ignore[no-untyped-def]
    assert codes(TipFacts(province="Huế", victim_needs_support=True), tables) == [
        "hue-police",
        "hue-social",
    ]


def test_child_and_support_merge_reasons_on_one_recipient(tables) -> None:  # type: ignore[no-untyped-def]
    decisions = route(
        TipFacts(province="Huế", child_involved=True, victim_needs_support=True), *tables
    )
    social = next(d for d in decisions if d.agency_code == "hue-social")
    assert social.rule_ids == ["child_protection", "victim_support"]
    assert len(social.reasons_vi) == 2 and "Điều 37" in social.reason_vi


def test_unknown_province_goes_to_the_national_desk(tables) -> None:  # type: ignore[no-untyped-def]
    assert codes(TipFacts(province=None), tables) == ["national-desk"]
    assert codes(TipFacts(province="Atlantis"), tables) == ["national-desk"]
    got = codes(TipFacts(province=None, crosses_border=True, child_involved=True), tables)
    assert got == ["national-desk", "national-111"]


def test_inactive_agency_falls_back(tables) -> None:  # type: ignore[no-untyped-def]
    provinces, rules, agencies = tables
    off = [AgencyRef(a.code, a.kind, a.province, a.code != "hue-police") for a in agencies]
    assert codes(TipFacts(province="Huế"), (provinces, rules, off)) == ["national-desk"]


def test_every_decision_records_its_reason(tables) -> None:  # type: ignore[no-untyped-def]
    provinces = tables[0]
    for p in provinces.provinces:
        for facts in (
            TipFacts(province=p.name),
            TipFacts(province=p.name, border_area=True, child_involved=True),
            TipFacts(province=p.name, crosses_border=True, victim_needs_support=True),
        ):
            for d in route(facts, *tables):
                assert d.rule_ids and d.reason_vi and d.reason_en, (p.name, d)


def test_no_rule_applies_still_routes_to_the_fallback() -> None:
    empty = RuleSet(rules=(), fallback="national-desk")
    decisions = route(TipFacts(province="Hà Nội"), ProvinceTable([]), empty, [])
    assert decisions[0].agency_code == "national-desk" and decisions[0].reason_en


def test_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        RuleSet.from_data({"rules": [{"id": "x", "when": {"provnce_known": True}}]})
