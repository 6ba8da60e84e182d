"""nlu/border_areas.yml: land-border and coastal places, each sourced or marked unverified."""

from __future__ import annotations

import pytest
import yaml

from hotline.routing.provinces import ProvinceTable
from nlu.gazetteer import (
    AREAS_FILE,
    COAST,
    DISTRICT,
    LAND,
    WARD,
    border_areas,
    default_gazetteer,
)
from tests.conftest import ROOT

DOC = yaml.safe_load(AREAS_FILE.read_text(encoding="utf-8"))
PROVINCES = ProvinceTable.load(ROOT / "content" / "provinces.yml")


def test_every_source_has_a_title_and_an_address_and_the_date_read_is_recorded() -> None:
    assert str(DOC["read_on"]).startswith("20")
    for sid, src in DOC["sources"].items():
        assert src["title"].strip() and src["url"].startswith("http"), sid


@pytest.mark.parametrize(
    ("key", "kind", "province_col"),
    [
        ("land_border_districts", DISTRICT, 2),
        ("land_border_communes", WARD, 2),
        ("coastal_districts", DISTRICT, 2),
        ("coastal_communes", WARD, 2),
    ],
)
def test_every_row_names_a_real_place_and_a_defined_source_or_none(
    key: str, kind: str, province_col: int
) -> None:
    gaz = default_gazetteer()
    rows = DOC[key]
    assert rows
    for row in rows:
        name, province, source = row[0], row[province_col], row[-1]
        assert source is None or source in DOC["sources"], row
        assert province in {p.province for p in gaz.lookup(name, [kind])}, row


def test_land_rows_cover_the_three_borders_and_only_border_provinces() -> None:
    countries = {r[3] for r in DOC["land_border_districts"]}
    assert countries == {"Trung Quốc", "Lào", "Campuchia"}
    for name, _former, province, country, _src in DOC["land_border_districts"]:
        unit = PROVINCES.resolve(province)
        assert unit is not None and country in unit.land_borders, (name, province, country)
    for name, _former, province, _src in DOC["coastal_districts"]:
        unit = PROVINCES.resolve(province)
        assert unit is not None and unit.coastal, (name, province)


def test_counts_and_the_sourced_share() -> None:
    gaz = default_gazetteer()
    # The decree's annex has 103 districts; the data lists 99 (pre-2025 names, after mergers).
    assert gaz.count(DISTRICT, LAND) >= 95
    assert gaz.count(DISTRICT, LAND, verified=True) >= 50
    assert gaz.count(WARD, LAND, verified=True) >= 30
    assert gaz.count(DISTRICT, COAST) >= 120
    assert gaz.count(DISTRICT, COAST, verified=True) >= 15
    assert gaz.count(WARD, COAST, verified=True) >= 45


@pytest.mark.parametrize(
    ("text", "province", "area", "verified"),
    [
        ("em ở huyện Mường Khương", "Lào Cai", LAND, True),
        ("nha o huyen ky son, nghe an", "Nghệ An", LAND, True),
        ("ở xã Sín Thầu", "Điện Biên", LAND, True),
        ("em ở Bảo Thắng, Lào Cai", "Lào Cai", LAND, False),
        ("quê em ở Cần Giờ", "Thành phố Hồ Chí Minh", COAST, False),
        ("em ở huyện Hậu Lộc", "Thanh Hóa", COAST, True),
        ("nhà ở xã Ngư Lộc", "Thanh Hóa", COAST, True),
    ],
)
def test_border_areas_found_in_text(text: str, province: str, area: str, verified: bool) -> None:
    found = border_areas(text)
    assert [(a.place.province, a.area, a.verified) for a in found] == [(province, area, verified)]


def test_inland_places_and_ordinary_words_have_no_area() -> None:
    assert border_areas("nhà em ở huyện Gia Lâm") == []
    assert border_areas("chợ biên giới đông người") == []
    # A province's own name is the province, not its namesake district elsewhere: "Quảng Ninh"
    # is not huyện Quảng Ninh of (former) Quảng Bình, "Lào Cai" not the border city.
    assert border_areas("em ở Quảng Ninh") == []
    assert border_areas("em ở Sa Pa, Lào Cai") == []
    assert [a.place.province for a in border_areas("huyện Quảng Ninh, Quảng Bình")] == [
        "Quảng Trị",
        "Quảng Trị",
    ]  # land border (Laos) and coast
    # A name in two provinces needs its province: Tân Châu is on the border in both.
    assert border_areas("em ở Tân Châu") == []
    assert {a.place.province for a in border_areas("em ở Tân Châu", "An Giang")} == {"An Giang"}
