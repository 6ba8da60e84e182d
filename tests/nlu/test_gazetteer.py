"""Places people name (old districts, wards, border gates) resolve to the current province."""

from __future__ import annotations

import json

import pytest
import yaml

from nlu.entities import extract
from nlu.gazetteer import (
    AREAS_FILE,
    DISTRICT,
    GATE,
    GATES_FILE,
    GAZETTEER_FILE,
    border_place,
    default_gazetteer,
)
from nlu.normalize import fold


def provinces(text: str) -> list[tuple[str, str]]:
    """(value, surface) of each province entity in `text`."""
    return [
        (e["value"], text[e["start"] : e["end"]])
        for e in extract(text)
        if e["entity"] == "province"
    ]


def test_the_data_records_its_source_and_version() -> None:
    doc = json.loads(GAZETTEER_FILE.read_text(encoding="utf-8"))
    src = doc["source"]
    assert src["package"] == "vietnamadminunits"
    assert src["version"] and len(src["wheel_sha256"]) == 64
    assert len(doc["districts_before_2025"]) > 650
    assert len(doc["wards_since_2025"]) == 3321
    # Every province in the data is one of the 34 current units (old ones were mapped).
    units = {r[2] for key in ("districts_before_2025", "wards_before_2025") for r in doc[key]}
    assert len(units) == 34
    assert default_gazetteer().source["version"] == src["version"]


def test_every_border_gate_district_is_in_its_province_and_on_the_border() -> None:
    gaz = default_gazetteer()
    doc = yaml.safe_load(GATES_FILE.read_text(encoding="utf-8"))
    sources = yaml.safe_load(AREAS_FILE.read_text(encoding="utf-8"))["sources"]
    assert len(doc["gates"]) >= 35
    for _name, district, province, country, source in doc["gates"]:
        assert country in {"Trung Quốc", "Lào", "Campuchia"}
        assert source is None or source in sources, source
        places = [p for p in gaz.lookup(district, [DISTRICT]) if p.province == province]
        assert places, district
        # The gate's district is one of the land-border districts of nlu/border_areas.yml.
        assert any(gaz.is_border_place(p) for p in places), district


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("em o sa pa", "Lào Cai"),
        ("Bát Xát", "Lào Cai"),
        ("bat xat", "Lào Cai"),
        ("em ở Mường Khương", "Lào Cai"),
        ("em o muong khuong a", "Lào Cai"),
        ("em ở Mường khuong", "Lào Cai"),  # partly marked
        ("chợ Cốc Lếu", "Lào Cai"),
        ("cửa khẩu Móng Cái", "Quảng Ninh"),
        ("qua cua khau huu nghi", "Lạng Sơn"),
        ("bị đưa qua cửa khẩu Mộc Bài", "Tây Ninh"),
        ("cua khau cau treo", "Hà Tĩnh"),
        ("ở Tây Trang", "Điện Biên"),
        ("quê ở Quỳ Châu", "Nghệ An"),
        ("nha o go quao", "An Giang"),
        ("huyện Hòa Bình", "Cà Mau"),  # the old district of Bạc Liêu, not the city
        ("em ở quận 7", "Thành phố Hồ Chí Minh"),
        ("xã Tả Van", "Lào Cai"),  # with its marks: not Tả Ván (Tuyên Quang)
        ("em ở Đức Huệ", "Tây Ninh"),  # a district, not Huế inside it
        ("o cam ranh", "Khánh Hòa"),
        ("ở Tân Sơn Nhất", "Thành phố Hồ Chí Minh"),
    ],
)
def test_places_resolve_to_their_province(text: str, province: str) -> None:
    assert [v for v, _ in provinces(text)] == [province]


def test_offsets_cover_the_unit_word_and_the_name() -> None:
    text = "Em bị giữ ở huyện Bát Xát nhé"
    assert provinces(text) == [("Lào Cai", "huyện Bát Xát")]


@pytest.mark.parametrize(
    "text",
    [
        "hòa bình cho thế giới",
        "hoa binh cho the gioi",
        "Thái Bình Dương rộng lắm",
        "nghe an toàn không",
        "đi xuất khẩu lao dong",
        "lương tương đương 20 triệu",
        "hai bên thống nhất giá",
        "tình yêu vĩnh cửu",
        "chợ biên giới đông người",
        "ngay ở xã biên giới",
        "qua cầu treo sang bản bên",
        "vụ bán người ở đâu",
        "quan tâm đến em",
        "xa que huong",
        "chúc bạn thành công",
        "số 5 đường Trần Phú",
        "sang cam lam viec",  # a job in Cambodia, not huyện Cam Lâm
        "bay từ Tân Sơn Nhất",  # not Tân Sơn (Phú Thọ) inside the airport's name
        "ck cho em 5 trieu",
    ],
)
def test_ordinary_words_are_not_places(text: str) -> None:
    assert [(v, s) for v, s in provinces(text) if v != "Thành phố Hồ Chí Minh"] == []


def test_a_district_alone_is_an_answer() -> None:
    assert provinces("Tân Sơn") == [("Phú Thọ", "Tân Sơn")]
    assert provinces("đi chơi ở Tân Sơn Nhất") == [("Thành phố Hồ Chí Minh", "Tân Sơn Nhất")]


def test_the_country_reading_is_kept() -> None:
    assert [e["value"] for e in extract("sang cam lam viec")] == ["Campuchia"]


@pytest.mark.parametrize("text", ["em ở Châu Thành", "cửa khẩu Thanh Thủy", "ở Chợ Mới"])
def test_a_name_in_two_provinces_gets_none_alone(text: str) -> None:
    assert provinces(text) == []


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("em ở Châu Thành, Tây Ninh", "Tây Ninh"),
        ("cửa khẩu Thanh Thủy ở Nghệ An", "Nghệ An"),
        ("cua khau thanh thuy ha giang", "Tuyên Quang"),
        ("Gò Quao, Kiên Giang", "An Giang"),
    ],
)
def test_a_name_in_two_provinces_is_resolved_by_the_province_named(
    text: str, province: str
) -> None:
    assert {v for v, _ in provinces(text)} == {province}


def test_marks_typed_must_be_the_names() -> None:
    # "Bát Xát" typed with other tones is another phrase.
    assert provinces("em ở bất xát") == []
    assert fold("bất xát") == "bat xat"


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("bị giữ ở Mae Sot", "Thái Lan"),
        ("e o dac khu tam giac vang", "Lào"),
        ("bị bán sang Koh Kong", "Campuchia"),
        ("sang Tachileik", "Myanmar"),
        ("ở Myawaddy", "Myanmar"),
        ("ở Sihanoukville", "Campuchia"),
        ("o bavet", "Campuchia"),
        ("bị đưa sang Hà Khẩu", "Trung Quốc"),
    ],
)
def test_places_abroad_map_to_their_country(text: str, country: str) -> None:
    assert [e["value"] for e in extract(text) if e["entity"] == "country"] == [country]


def test_border_places() -> None:
    place = border_place("bị giữ ở cửa khẩu Mộc Bài")
    assert place is not None and place.kind == GATE and place.province == "Tây Ninh"
    district = border_place("nhà em ở huyện Mường Khương", "Lào Cai")
    assert district is not None and district.kind == DISTRICT
    # An inland district is not a border place; a name in two provinces needs its province.
    assert border_place("nhà em ở huyện Gia Lâm") is None
    assert border_place("cửa khẩu Thanh Thủy") is None
    assert border_place("cửa khẩu Thanh Thủy", "Nghệ An") is not None


def test_place_choices_lists_the_provinces_of_an_unsettled_name() -> None:
    from nlu.entities import place_choices

    assert place_choices("o chau thanh") == [
        ("chau thanh", ("An Giang", "Cần Thơ", "Tây Ninh", "Vĩnh Long", "Đồng Tháp"))
    ]
    assert place_choices("huyện Bảo Lâm") == [("huyện Bảo Lâm", ("Cao Bằng", "Lâm Đồng"))]
    # The province named beside it settles it; a one-province name and ordinary words ask nothing.
    assert place_choices("ở Bảo Lâm, Lâm Đồng") == []
    assert place_choices("em o sa pa") == []
    assert place_choices("hòa bình cho thế giới") == []
