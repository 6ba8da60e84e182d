"""Agencies and routing name the units that exist today (Border Guard since 28/06/2025)."""

from pathlib import Path

import pytest

from hotline.agencies.service import load_yaml
from hotline.routing.engine import AgencyRef, RuleSet, TipFacts, route
from hotline.routing.provinces import ProvinceTable

CONTENT = Path(__file__).resolve().parents[2] / "content"
DISSOLVED = "Bộ Chỉ huy Bộ đội Biên phòng"  # the provincial commands dissolved on 28/06/2025
# spec/domain.md: the land borders of the 34 units.
LAND_BORDERS = {
    "Trung Quốc": {
        "Lai Châu", "Điện Biên", "Lào Cai", "Tuyên Quang", "Cao Bằng", "Lạng Sơn", "Quảng Ninh",
    },
    "Lào": {
        "Điện Biên", "Sơn La", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Huế", "Đà Nẵng",
        "Quảng Ngãi",
    },
    "Campuchia": {
        "Quảng Ngãi", "Gia Lai", "Đắk Lắk", "Lâm Đồng", "Đồng Nai", "Tây Ninh", "Đồng Tháp",
        "An Giang",
    },
}  # fmt: skip
NO_BORDER = {"Hà Nội", "Thái Nguyên", "Phú Thọ", "Bắc Ninh"}


@pytest.fixture(scope="module")
def agencies() -> list[dict[str, object]]:
    return list(load_yaml(CONTENT / "agencies.yml"))


@pytest.fixture(scope="module")
def provinces() -> ProvinceTable:
    return ProvinceTable.load(CONTENT / "provinces.yml")


def test_provinces_table_matches_the_land_borders(provinces: ProvinceTable) -> None:
    for country, names in LAND_BORDERS.items():
        found = {p.name for p in provinces.provinces if country in p.land_borders}
        assert found == names, country
    assert {p.name for p in provinces.provinces if not p.has_border} == NO_BORDER


def test_border_guard_units_carry_their_current_names(agencies: list[dict[str, object]]) -> None:
    guards = [a for a in agencies if a["kind"] == "border_guard"]
    assert len(guards) == 30
    for a in guards:
        name, name_en = str(a["name"]), str(a["name_en"])
        assert name.startswith("Ban Chỉ huy Bộ đội Biên phòng "), name
        assert "(trực thuộc Bộ Chỉ huy Quân sự " in name or "Bộ Tư lệnh Thành phố" in name, name
        assert "Border Guard Command Board" in name_en, name_en
        assert a.get("active", True) is True
    for a in agencies:
        assert not str(a["name"]).startswith(DISSOLVED), a["code"]


def test_every_border_province_reaches_its_border_guard_unit(
    agencies: list[dict[str, object]], provinces: ProvinceTable
) -> None:
    refs = [
        AgencyRef(str(a["code"]), str(a["kind"]), a.get("province"), bool(a.get("active", True)))  # type: ignore[arg-type]
        for a in agencies
    ]
    rules = RuleSet.load(CONTENT / "routing.yml")
    by_code = {str(a["code"]): a for a in agencies}
    reached = 0
    for p in provinces.provinces:
        got = [
            d.agency_code
            for d in route(TipFacts(province=p.name, border_area=True), provinces, rules, refs)
        ]
        if p.has_border:
            assert f"{p.code}-border-guard" in got, p.name
            assert by_code[f"{p.code}-border-guard"]["province"] == p.name
            reached += 1
        else:
            assert not any(c.endswith("-border-guard") for c in got), p.name
        # A person taken across from any province reaches a Border Guard unit or the desk.
        crossing = [
            d.agency_code
            for d in route(TipFacts(province=p.name, crosses_border=True), provinces, rules, refs)
        ]
        assert f"{p.code}-border-guard" in crossing or "national-desk" in crossing, p.name
    assert reached == 30


def test_routing_reasons_name_no_dissolved_unit() -> None:
    rules = RuleSet.load(CONTENT / "routing.yml")
    for rule in rules.rules:
        assert DISSOLVED not in rule.reason_vi, rule.id
        assert "Border Guard command" not in rule.reason_en, rule.id


def test_the_coast_guard_takes_reports_but_is_not_a_routing_agency(
    agencies: list[dict[str, object]],
) -> None:
    # Điều 22 lists the Coast Guard among those who receive reports; tips are not routed to it.
    for a in agencies:
        assert "Cảnh sát biển" not in str(a["name"]) and "Coast Guard" not in str(a["name_en"])
    kinds = {str(a["kind"]) for a in agencies}
    assert kinds == {"hotline", "desk", "police", "border_guard", "social_services"}
