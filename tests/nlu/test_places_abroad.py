"""Cities and areas abroad that matter for trafficking give their country, in every typing style.

The first names come from the lookup tables (nlu/data); the rest from nlu/places_abroad.yml.
"""

from __future__ import annotations

import pytest
import yaml

from nlu.entities import ABROAD_FILE, default_extractor, extract
from nlu.normalize import fold

PLACES = [
    # Cambodia: the capital, the scam-compound towns on the coast and at the border crossings.
    ("Phnom Penh", "Campuchia"),
    ("Phnôm Pênh", "Campuchia"),
    ("Nam Vang", "Campuchia"),
    ("phnompenh", "Campuchia"),
    ("Sihanoukville", "Campuchia"),
    ("Xi-ha-núc-vin", "Campuchia"),
    ("Kompong Som", "Campuchia"),
    ("Bavet", "Campuchia"),
    ("Ba Vét", "Campuchia"),
    ("Poipet", "Campuchia"),
    ("Pôi Pét", "Campuchia"),
    ("O'Smach", "Campuchia"),
    ("Koh Kong", "Campuchia"),
    ("Kandal", "Campuchia"),
    # Myanmar: Myawaddy and the KK Park / Shwe Kokko compounds, Tachileik, Kokang.
    ("Myawaddy", "Myanmar"),
    ("Myawady", "Myanmar"),
    ("Shwe Kokko", "Myanmar"),
    ("shwe koko", "Myanmar"),
    ("KK Park", "Myanmar"),
    ("Tachileik", "Myanmar"),
    ("Laukkai", "Myanmar"),
    # Laos: the Golden Triangle special economic zone, Boten, Vientiane.
    ("Tam Giác Vàng", "Lào"),
    ("đặc khu kinh tế Tam Giác Vàng", "Lào"),
    ("Golden Triangle", "Lào"),
    ("Boten", "Lào"),
    ("Vientiane", "Lào"),
    ("Viêng Chăn", "Lào"),
    # Thailand: Mae Sot, across from Myawaddy.
    ("Mae Sot", "Thái Lan"),
    ("Mê Sọt", "Thái Lan"),
    # China: the border cities facing Lào Cai, Lạng Sơn, Móng Cái, and further in.
    ("Hekou", "Trung Quốc"),
    ("Hà Khẩu", "Trung Quốc"),
    ("Pingxiang", "Trung Quốc"),
    ("Bằng Tường", "Trung Quốc"),
    ("Dongxing", "Trung Quốc"),
    ("Đông Hưng", "Trung Quốc"),
    ("Côn Minh", "Trung Quốc"),
    ("Nanning", "Trung Quốc"),
    ("Ruili", "Trung Quốc"),
]


# Typed without marks these are Vietnamese words ("mẹ sốt", "con mình"): found only with marks.
BARE_IS_A_WORD = {"Mê Sọt", "Côn Minh"}


def countries(text: str) -> list[str]:
    return [e["value"] for e in extract(text) if e["entity"] == "country"]


@pytest.mark.parametrize(("name", "country"), PLACES)
def test_place_abroad_gives_its_country_in_every_typing_style(name: str, country: str) -> None:
    texts = [
        f"em đang bị giữ ở {name}",  # as written
        f"EM Ở {name.upper()}",  # capitals
        f"chị ơi em ở {name} cứu em",  # inside a longer message
    ]
    if name not in BARE_IS_A_WORD:
        texts.append(f"e dang bi giu o {fold(name).lower()}")  # no marks
    for text in texts:
        assert countries(text) == [country], text


@pytest.mark.parametrize(
    "text",
    [
        "con mình đi học rồi",  # "côn minh" only with its marks
        "con minh di hoc roi",
        "mẹ sốt cao quá",  # not "Mê Sọt"
        "me sot qua",
        "hôm nay trời mưa",
    ],
)
def test_ordinary_words_are_not_places_abroad(text: str) -> None:
    assert countries(text) == []


def test_every_form_in_the_file_is_a_known_country_value() -> None:
    doc = yaml.safe_load(ABROAD_FILE.read_text(encoding="utf-8"))
    ex = default_extractor()
    for country, forms in doc["countries"].items():
        assert ex.is_canonical("country", country), country
        for form in forms:
            assert countries(f"em ở {form}") == [country], form
