"""Lookup-based entity extraction: provinces (current and former), countries, platforms,
tactics, tip codes; and the consistency of the YAML data it is read from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nlu.dataset import DATA_DIR, load_examples
from nlu.entities import TACTICS, accents_subset, canonical_tip_code, extract
from nlu.normalize import fold

from .conftest import TEST_FILE

# Straight from domain.md, deliberately not from nlu/data, so the data is checked against it.
UNCHANGED = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Cao Bằng",
]  # fmt: skip
MERGED = {
    "Tuyên Quang": ["Hà Giang"],
    "Lào Cai": ["Yên Bái"],
    "Thái Nguyên": ["Bắc Kạn"],
    "Phú Thọ": ["Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Giang"],
    "Hưng Yên": ["Thái Bình"],
    "Hải Phòng": ["Hải Dương"],
    "Ninh Bình": ["Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Bình"],
    "Đà Nẵng": ["Quảng Nam"],
    "Quảng Ngãi": ["Kon Tum"],
    "Gia Lai": ["Bình Định"],
    "Khánh Hòa": ["Ninh Thuận"],
    "Lâm Đồng": ["Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Phú Yên"],
    "Thành phố Hồ Chí Minh": ["Bình Dương", "Bà Rịa - Vũng Tàu"],
    "Đồng Nai": ["Bình Phước"],
    "Tây Ninh": ["Long An"],
    "Cần Thơ": ["Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Tiền Giang"],
    "Cà Mau": ["Bạc Liêu"],
    "An Giang": ["Kiên Giang"],
}
PROVINCES = [*UNCHANGED, *MERGED]
COUNTRIES = {
    "Trung Quốc", "Campuchia", "Lào", "Myanmar", "Thái Lan", "Malaysia", "Hàn Quốc", "Nhật Bản",
    "Đài Loan", "Indonesia", "Philippines", "Singapore", "Các Tiểu vương quốc Ả Rập Thống nhất",
    "Ả Rập Xê Út", "Nga", "Anh", "Đức",
}  # fmt: skip
PLATFORMS = {
    "Facebook", "Zalo", "TikTok", "Telegram", "WhatsApp", "Instagram", "Messenger", "Viber",
    "WeChat", "Skype", "Twitter", "YouTube", "Shopee", "Google",
}  # fmt: skip
TIP_CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def values(text: str, entity: str | None = None) -> list[str]:
    """Extracted values (of one entity type, if given)."""
    return [e["value"] for e in extract(text) if entity is None or e["entity"] == entity]


def test_there_are_34_units() -> None:
    assert len(PROVINCES) == 34


@pytest.mark.parametrize("province", PROVINCES)
def test_every_current_unit_with_and_without_diacritics(province: str) -> None:
    for spelling in (province, province.lower(), fold(province), fold(province).upper()):
        text = f"em đang ở {spelling} ạ"
        found = [e for e in extract(text) if e["entity"] == "province"]
        assert [e["value"] for e in found] == [province], spelling
        assert text[found[0]["start"] : found[0]["end"]] == spelling


@pytest.mark.parametrize(
    ("former", "unit"), [(old, new) for new, olds in MERGED.items() for old in olds]
)
def test_every_former_province_maps_to_its_unit(former: str, unit: str) -> None:
    assert values(f"quê tôi ở {former}", "province") == [unit]
    assert values(f"que toi o {fold(former).lower()}", "province") == [unit]


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("ha giang", "Tuyên Quang"),
        ("yen bai", "Lào Cai"),
        ("sai gon", "Thành phố Hồ Chí Minh"),
        ("Sài Gòn", "Thành phố Hồ Chí Minh"),
        ("tp hcm", "Thành phố Hồ Chí Minh"),
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("tphcm", "Thành phố Hồ Chí Minh"),
        ("hcm", "Thành phố Hồ Chí Minh"),
        ("sg", "Thành phố Hồ Chí Minh"),
        ("vung tau", "Thành phố Hồ Chí Minh"),
        ("binh duong", "Thành phố Hồ Chí Minh"),
        ("Thừa Thiên Huế", "Huế"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Daklak", "Đắk Lắk"),
        ("Sa Pa", "Lào Cai"),
        ("Đà Lạt", "Lâm Đồng"),
        ("Nha Trang", "Khánh Hòa"),
        ("Móng Cái", "Quảng Ninh"),
    ],
)
def test_colloquial_and_former_names(text: str, unit: str) -> None:
    assert values(f"em ở {text} nè", "province") == [unit]


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("bị bán sang bên Tàu", "Trung Quốc"),
        ("sang tàu lấy chồng", "Trung Quốc"),
        ("đi TQ", "Trung Quốc"),
        ("co nguoi ru sang hq lam", "Hàn Quốc"),
        ("di xkld nb", "Nhật Bản"),
        ("bên NB lương cao", "Nhật Bản"),
        ("trung quoc", "Trung Quốc"),
        ("co nguoi ru em sang cam lam viec", "Campuchia"),
        ("làm ở Cam lương cao", "Campuchia"),
        ("cpc", "Campuchia"),
        ("căm pu chia", "Campuchia"),
        ("Phnom Penh", "Campuchia"),
        ("Miến Điện", "Myanmar"),
        ("mien dien", "Myanmar"),
        ("sang lao lam", "Lào"),
        ("Lào", "Lào"),
        ("xứ chùa vàng", "Thái Lan"),
        ("sang thái làm", "Thái Lan"),
        ("đi Hàn", "Hàn Quốc"),
        ("han quoc", "Hàn Quốc"),
        ("sang nhật", "Nhật Bản"),
        ("sang đài", "Đài Loan"),
        ("dai loan", "Đài Loan"),
        ("malaysia", "Malaysia"),
        ("Dubai", "Các Tiểu vương quốc Ả Rập Thống nhất"),
        ("Ả Rập Xê Út", "Ả Rập Xê Út"),
    ],
)
def test_countries_and_colloquial_forms(text: str, country: str) -> None:
    assert values(text, "country") == [country]


@pytest.mark.parametrize(
    "text",
    [
        "cảm ơn bạn",
        "cam on ban nhieu",
        "màu cam",
        "cam kết không lừa",
        "đi xuất khẩu lao động",
        "di xuat khau lao dong",
        "tuyển thợ hàn",
        "chủ nhật tuần này",
        "qua trung gian",
        "trung tâm bảo trợ",
        "đi tàu hỏa ra ga",
        "nghe đài",
        "chị Nga hàng xóm",
        "thái độ của họ",
        "có thai",
        "nghe an toan khong",
        "mà lại không trả lương",
        "nói chuyện với anh",
        "uk",
        "hot line",
        "hq em di choi",  # "hôm qua"
        "hn minh buon qua",  # "hôm nay"
        "tu hq den gio",
    ],
)
def test_ordinary_words_do_not_fire_places(text: str) -> None:
    found = [e for e in extract(text) if e["entity"] in ("country", "province")]
    assert found == [], found


def test_teencode_capital() -> None:
    assert values("em đang ở hn", "province") == ["Hà Nội"]
    assert values("len hn lam thue", "province") == ["Hà Nội"]


@pytest.mark.parametrize(
    ("text", "entity", "value", "surface"),
    [
        ("con tôi ở Hà noi", "province", "Hà Nội", "Hà noi"),
        ("con tôi ở ha Nội", "province", "Hà Nội", "ha Nội"),
        ("em ở Hà nôi", "province", "Hà Nội", "Hà nôi"),
        ("nhà ở Lao cai ạ", "province", "Lào Cai", "Lao cai"),
        ("quê ở Bac Giang", "province", "Bắc Ninh", "Bac Giang"),
        ("bảo sang Thai lan làm", "country", "Thái Lan", "Thai lan"),
        ("đi đai loan lấy chồng", "country", "Đài Loan", "đai loan"),
    ],
)
def test_partly_marked_names(text: str, entity: str, value: str, surface: str) -> None:
    found = [e for e in extract(text) if e["entity"] == entity]
    assert [e["value"] for e in found] == [value]
    assert text[found[0]["start"] : found[0]["end"]] == surface


@pytest.mark.parametrize(
    "text",
    [
        "tôi ở hả nội",  # another tone: another word, not Hà Nội
        "nghe an toàn không",  # bare "nghe an" beside marked words is still not Nghệ An
        "đi xuất khẩu lao dong",
        "cam on nhiều",
    ],
)
def test_partly_marked_text_does_not_invent_places(text: str) -> None:
    assert [e for e in extract(text) if e["entity"] in ("country", "province")] == []


def test_accents_subset() -> None:
    assert accents_subset("ha noi", "hà nội")
    assert accents_subset("hà nôi", "hà nội")
    assert accents_subset("dai", "đài")
    assert not accents_subset("hả nội", "hà nội")
    assert not accents_subset("hà nội", "ha noi")  # marks may be left out, never added
    assert not accents_subset("ha noi", "ha no")


@pytest.mark.parametrize(
    "text",
    ["tôi lo cho bản thân", "ban toi o day", "để thuê nhà", "ban con o do khong", "có đâu"],
)
def test_ordinary_words_do_not_fire_tactics(text: str) -> None:
    assert values(text) == []


def test_longest_match_wins_between_province_and_country() -> None:
    found = extract("em ở Lào Cai, bị đưa sang Lào")
    assert [(e["entity"], e["value"]) for e in found] == [
        ("province", "Lào Cai"),
        ("country", "Lào"),
    ]


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("trên fb", "Facebook"),
        ("qua phây", "Facebook"),
        ("nhắn qua zalo", "Zalo"),
        ("tik tok", "TikTok"),
        ("nhóm tele", "Telegram"),
        ("WhatsApp", "WhatsApp"),
        ("insta", "Instagram"),
        ("mess", "Messenger"),
        ("viber", "Viber"),
        ("wechat", "WeChat"),
    ],
)
def test_platforms(text: str, platform: str) -> None:
    assert values(text, "platform") == [platform]


@pytest.mark.parametrize(
    ("text", "tactic"),
    [
        ("việc nhẹ lương cao", "job_offer"),
        ("viec nhe luong cao", "job_offer"),
        ("xkld", "job_offer"),
        ("lấy chồng Đài Loan", "marriage"),
        ("tuyển dâu", "marriage"),
        ("chạy kpi", "scam_compound"),
        ("casino", "scam_compound"),
        ("mang thai hộ", "adoption_surrogacy"),
        ("đẻ thuê", "adoption_surrogacy"),
        ("bán thận", "organ"),
        ("du học Nhật", "travel_study"),
    ],
)
def test_tactics(text: str, tactic: str) -> None:
    assert values(text, "tactic") == [tactic]


def test_tactic_phrase_may_contain_a_country() -> None:
    assert set(values("lấy chồng Đài Loan")) == {"marriage", "Đài Loan"}


def test_tip_codes() -> None:
    found = extract("mã của em: abcd-efgh-jkmn-pqrs nha")
    assert [(e["entity"], e["value"]) for e in found] == [("tip_code", "ABCD-EFGH-JKMN-PQRS")]
    assert values("ma 7K2M9QXP3RTV8WZN", "tip_code") == ["7K2M-9QXP-3RTV-8WZN"]
    # Four four-letter words are not a code.
    assert values("minh muon biet tinh hinh", "tip_code") == []
    assert canonical_tip_code("7k2m 9qxp 3rtv 8wzn") == "7K2M-9QXP-3RTV-8WZN"


def test_offsets_refer_to_the_original_text() -> None:
    text = "  Con\u200b tôi ở  Hà Giang bị đưa qua  TQ"
    for ent in extract(text):
        surface = text[ent["start"] : ent["end"]]
        assert surface.replace("\u200b", "") in ("Hà Giang", "TQ")


@pytest.mark.parametrize("path", [DATA_DIR, TEST_FILE], ids=["train", "test"])
def test_annotations_use_canonical_values(path: Path) -> None:
    allowed = {
        "province": set(PROVINCES),
        "country": COUNTRIES,
        "platform": PLATFORMS,
        "tactic": set(TACTICS),
    }
    for ex in load_examples(path):
        for ent in ex.entities:
            if ent.entity == "tip_code":
                assert TIP_CODE.match(ent.value), ex.text
            else:
                assert ent.value in allowed[ent.entity], (ex.text, ent)


def test_training_annotations_agree_with_the_extractor() -> None:
    # Rasa learns from these annotations and the embedded engine uses the extractor:
    # they must say the same thing.
    for ex in load_examples(DATA_DIR):
        gold = [(e.entity, e.value, e.start, e.end) for e in ex.entities]
        got = [(e["entity"], e["value"], e["start"], e["end"]) for e in extract(ex.text)]
        assert got == gold, ex.text


def test_extractor_recall_on_held_out_annotations() -> None:
    missed = []
    for ex in load_examples(TEST_FILE):
        got = {(e["entity"], e["value"]) for e in extract(ex.text)}
        missed += [(ex.text, e.value) for e in ex.entities if (e.entity, e.value) not in got]
    assert missed == []


def test_annotate_produces_rasa_inline_syntax() -> None:
    from nlu.entities import annotate

    assert annotate("em ở ha giang, bị dụ sang Lào") == (
        'em ở [ha giang]{"entity": "province", "value": "Tuyên Quang"}, bị dụ sang [Lào](country)'
    )


def test_context_regexes_prefiltered_without_changing_matches() -> None:
    """The "(?<= )" shortcut in front of look-behind regexes finds exactly what they find."""
    import re

    from nlu.entities import _after_space_first, default_extractor
    from nlu.normalize import for_matching

    extractor = default_extractor()
    patterns = [p for ps in extractor.tables.regexes.values() for p in ps]
    changed = [p for p in patterns if _after_space_first(p) != p]
    assert changed, "the country context regexes start with look-behinds ending in a space"
    texts = [
        "sang lao làm việc",
        "qua  trung quốc",
        "đi nhật bản",
        "ở nhat",
        "  sang han",
        "người tàu",
        "ngườitàu",
        "bên đài loan",
        "xuất khẩu lao động sang Hàn",
        "sang\thàn",
    ]
    for p in changed:
        before, after = re.compile(p, re.I), re.compile(_after_space_first(p), re.I)
        for text in texts:
            low = for_matching(text).text
            assert [m.span() for m in before.finditer(low)] == [
                m.span() for m in after.finditer(low)
            ], (p[:40], text)
    # Patterns that do not start that way are left alone.
    assert _after_space_first(r"\bcam\b") == r"\bcam\b"
