"""The pure red-flag scoring engine on the real red_flags.yml."""

import re
from pathlib import Path
from typing import Any

import pytest

from hotline.content import admin
from hotline.content.lint import lint_items, lint_red_flag
from hotline.content.loader import load_files
from hotline.content.redflags import (
    MIN_ANSWERS,
    OfferRules,
    assess,
    critical_flags,
    guess_offer_type,
    scan_text,
)
from hotline.content.service import import_library, library_from_files
from hotline.db.session import unit_of_work

ROOT = Path(__file__).resolve().parents[2]

# Every critical flag in at least five typing styles: marks, none, teencode, typos, English.
CRITICAL = {
    "organ_sale": [
        "Có người hỏi mua thận của tôi giá 500 triệu",
        "co nguoi hoi mua than gia 500 trieu",
        "mk dc ng ta ru ban 1 qua than lay 300tr",
        "cần tiền gấp nên muốn bán thậnnn",
        "Someone offered to buy my kidney for 20000 USD",
        "they want me to sell a kidney, is it ok",
        "có ng hỏi mua 1 quả thận của e, trả 400tr",
    ],
    "paid_surrogacy": [
        "Tuyển người mang thai hộ, trả 300 triệu",
        "co nguoi tra 200 trieu de minh mang thai ho o trung quoc",
        "c ơi e dc ng ta rủ đẻ thuê cho ng TQ",
        "tuyen mag thai ho luong cao",
        "Looking for a surrogate mother, we pay 15000 USD",
    ],
    "baby_payment": [
        "Có người muốn mua em bé mới sinh của tôi",
        "ho hoi mua tre so sinhh gia cao",
        "mk dc ng ta hoi ban con lay tien",
        "có người trả 50 triệu, bảo tôi bán bé cho họ",
        "a couple wants to buy my baby when it is born",
    ],
    "passport_kept": [
        "Công ty sẽ giữ hộ chiếu của bạn trong thời gian làm việc",
        "cong ty se giu ho chieu khi sang",
        "sang đó cty giữ pp của mk",
        "chủ sẽ giữ hộ chiu cho an toàn",
        "The employer will keep your passport during the contract",
    ],
    "minor_involved": [
        "Con tôi 14 tuổi được rủ đi làm xa",
        "em gai 15 tuoi dc ru len bien gioi lam",
        "e 16t, co ng ru di lam karaoke",
        "tuyển cả học sinh lớp 9 đi làm",
        "They recruit 16 year old girls for a restaurant",
        "underage workers welcome",
        "I am 16 and someone offered me a job in Malaysia",
    ],
    "fee_to_individual": [
        "Phải đặt cọc 20 triệu mới được đi Nhật",
        "phai nop phi moi gioi 50 trieu",
        "dc yeu cau ck trc 10tr de giu cho",
        "đóng phí môi giớii trước rồi mới có visa",
        "You need to pay a placement fee of 3000 USD",
    ],
    "irregular_crossing": [
        "Đi đường mòn sang Trung Quốc, không qua cửa khẩu",
        "di chui qua bien gioi, ko can ho chieu",
        "k can hc, co ng dua qua",
        "vượt biênn sang Lào làm",
        "You can cross without a passport, we guide you",
        "ko can passport, di xe qua bien gioi luon",  # "passport" squashed to "pasport"
    ],
    "scam_compound_lure": [
        "Việc nhẹ lương cao ở Campuchia, bao vé máy bay",
        "viec nhe luong cao ben cam, bay ngay",
        "mk dc moi qua cam lam cskh online luong 1000 do",
        "vnlc o myanmar",
        "tuyen gap lam online tai Lao, luong khung",
        "Easy job, high salary in Cambodia",
    ],
}

# A negation before the keyword, in the same sentence part: not a sign.
DENIED = [
    ("passport_kept", "Tôi tự giữ hộ chiếu"),
    ("passport_kept", "toi tu minh giu ho chieu"),
    ("passport_kept", "Công ty không giữ hộ chiếu của người lao động"),
    ("passport_kept", "ko giu ho chieu"),
    ("passport_kept", "không có ai giữ hộ chiếu"),
    ("passport_kept", "We don't keep your passport"),
    ("passport_kept", "they never keep your passport"),
    ("fee_to_individual", "Không mất phí môi giới"),
    ("fee_to_individual", "ko mat phi moi gioi"),
    ("fee_to_individual", "không cần đặt cọc"),
    ("minor_involved", "không tuyển dưới 18 tuổi"),
    ("paid_surrogacy", "tôi không mang thai hộ"),
]

# Not negations: the fact still stands ("không được giữ" = not allowed to keep it oneself).
NOT_DENIED = [
    ("passport_kept", "họ nói ko dc giữ hộ chiếu"),
    ("passport_kept", "ko cho minh giu ho chieu"),
    ("passport_kept", "không biết có giữ hộ chiếu không"),
    ("passport_kept", "không bao ăn ở, nhưng công ty giữ hộ chiếu"),
    ("minor_involved", "tuyển nữ từ 16 tuổi"),
    ("organ_sale", "em không muốn bán thận nhưng họ ép"),
]

# Harmless look-alikes: no critical flag.
LOOK_ALIKES = [
    "bạn thân của tôi rủ đi làm",
    "ban than cua minh ru di lam",
    "tôi đi làm ở Lào Cai",
    "di xuat khau lao dong sang Nhat",
    "sang Cam Ranh làm lương cao",
    "mua than đá giá rẻ",
    "cảm ơn, tôi làm lao động phổ thông",
    "việc nhẹ lương cao ở Hà Nội",
    "con tôi 20 tuổi muốn đi làm",
    "tôi đi lấy hộ chiếu ở phòng xuất nhập cảnh",
    "tôi nộp hộ chiếu cho đại sứ quán xin visa",
    "chồng trước của tôi rủ đi làm",  # "ck truoc" (transfer first) is teencode, not this
    "chúng tôi quá thân nhau",
]

SAFE_ANSWERS = {
    "who_pays_fees": "company_invoice",
    "who_keeps_passport": "i_keep",
    "licence_contract": "seen_both",
    "destination": "in_vietnam",
    "pay_promised": "normal",
    "job_kind": "factory_farm",
    "special_requests": "none",
    "how_recruited": "official",
    "urgency": "no",
    "age": "adult",
}


@pytest.fixture(scope="module")
def rules() -> OfferRules:
    lib = library_from_files(load_files(ROOT / "content"))
    assert lib.offer_rules is not None
    return lib.offer_rules


def test_scan_text_folds_and_matches_whole_words(rules: OfferRules) -> None:
    found = scan_text(rules, "Tuyển gấp, VIỆC NHẸ LƯƠNG CAO, không cần kinh nghiệm, bao vé máy bay")
    assert {"easy_job_high_pay", "no_experience_needed", "free_everything"} <= found
    # "cảm ơn" must not look like Cambodia ("cam"), "lao động" not like Laos.
    assert scan_text(rules, "cảm ơn, tôi làm lao động phổ thông") == set()
    # Teencode is read both as typed and expanded.
    assert "no_experience_needed" in scan_text(rules, "ko can kn, k can bang cap")


def test_the_file_marks_the_critical_signs(rules: OfferRules) -> None:
    assert set(CRITICAL) == {f.id for f in rules.flags.values() if f.critical}


@pytest.mark.parametrize(("flag", "text"), [(f, t) for f, texts in CRITICAL.items() for t in texts])
def test_every_critical_flag_in_every_typing_style_is_high(
    rules: OfferRules, flag: str, text: str
) -> None:
    found = scan_text(rules, text)
    assert flag in critical_flags(rules, found), (text, found)
    # High at once: no answer at all, or every answer pointing the other way.
    assert assess(rules, found, {}).level == "high"
    assert assess(rules, found, SAFE_ANSWERS).level == "high"


def test_each_critical_flag_has_five_styles_incl_english() -> None:
    english = {"you", "your", "my", "we", "they", "someone", "the", "a", "easy", "underage"}
    for flag, texts in CRITICAL.items():
        assert len(texts) >= 5, flag
        assert any(t.isascii() and english & set(re.findall("[a-z]+", t.lower())) for t in texts)


@pytest.mark.parametrize(("flag", "text"), DENIED)
def test_negations_before_the_keyword(rules: OfferRules, flag: str, text: str) -> None:
    assert flag not in scan_text(rules, text), text


@pytest.mark.parametrize(("flag", "text"), NOT_DENIED)
def test_words_that_only_look_like_negations(rules: OfferRules, flag: str, text: str) -> None:
    assert flag in scan_text(rules, text), text


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_raise_no_critical_flag(rules: OfferRules, text: str) -> None:
    assert critical_flags(rules, scan_text(rules, text)) == [], text


def test_combination_from_answers_text_or_entities(rules: OfferRules) -> None:
    by_answers = assess(rules, set(), {"pay_promised": "too_high", "destination": "cambodia"})
    assert by_answers.level == "high"
    assert "scam_compound_lure" in {f.id for f in by_answers.flags}
    by_entity = assess(rules, {"easy_job_high_pay"}, {}, extra_flags=["dest_laos"])
    assert by_entity.level == "high"
    # One half alone is not the combination.
    assert "scam_compound_lure" not in {f.id for f in assess(rules, {"dest_laos"}, {}).flags}


def test_critical_flags_are_never_low(rules: OfferRules) -> None:
    for flag in CRITICAL:
        for answers in ({}, SAFE_ANSWERS, dict.fromkeys(SAFE_ANSWERS)):
            assert assess(rules, {flag}, answers).level == "high", (flag, answers)
        # Raised by an answer instead of the text: the same.
    assert assess(rules, set(), {"age": "under_18"}).level == "high"
    assert assess(rules, set(), {"who_pays_fees": "i_pay_agent"}).level == "high"


def test_too_few_answers_is_unknown_never_low(rules: OfferRules) -> None:
    assert MIN_ANSWERS == 3
    assert assess(rules, set(), {}).level == "unknown"
    skipped = dict.fromkeys(SAFE_ANSWERS)
    assert assess(rules, set(), skipped).level == "unknown"
    not_sure = {"who_pays_fees": "unknown", "who_keeps_passport": "unknown", "age": "unknown"}
    result = assess(rules, set(), {**not_sure, "urgency": "no", "age": "adult"})
    assert (result.level, result.answered) == ("unknown", 2)
    two = {"who_keeps_passport": "i_keep", "urgency": "no"}
    assert assess(rules, set(), two).level == "unknown"
    # A sign found with few answers is still shown as such (medium), not hidden as unknown.
    assert assess(rules, set(), {"pay_promised": "too_high"}).level == "medium"
    # Three real answers and nothing found: low is allowed.
    three = {**two, "age": "adult"}
    result = assess(rules, set(), three)
    assert (result.level, result.answered, result.flags) == ("low", 3, [])
    assert assess(rules, set(), SAFE_ANSWERS).level == "low"


def test_thresholds(rules: OfferRules) -> None:
    medium = assess(rules, set(), {"pay_promised": "too_high"})  # 3 + 1
    assert medium.level == "medium" and medium.score == 4
    high = assess(rules, set(), {"pay_promised": "too_high", "job_kind": "online_sales"})
    assert high.level == "high" and high.score >= 6
    assert high.flags[0].id in {"easy_job_high_pay", "online_scam_work"}


def test_min_level_and_refutation_of_ordinary_flags(rules: OfferRules) -> None:
    # A critical flag confirmed by an answer -> high on its own.
    assert assess(rules, set(), {"who_keeps_passport": "employer_keeps"}).level == "high"
    # An ordinary keyword-only flag counts its weight; an answer that does not raise it removes it.
    assert assess(rules, {"easy_job_high_pay"}, {}).level == "medium"
    refuted = assess(rules, {"easy_job_high_pay"}, {"pay_promised": "normal"})
    assert refuted.level == "unknown" and refuted.flags == []
    # A skipped question does not refute it.
    assert assess(rules, {"easy_job_high_pay"}, {"pay_promised": None}).score == 3
    # A critical flag typed in the text is not removed by an answer ("I keep it").
    kept = assess(rules, {"passport_kept"}, {"who_keeps_passport": "i_keep"})
    assert kept.level == "high" and kept.flags[0].id == "passport_kept"


def test_extra_flags_are_confirmed(rules: OfferRules) -> None:
    result = assess(rules, set(), {}, extra_flags=[rules.destinations["Campuchia"]])
    assert result.flags and result.flags[0].id == "dest_cambodia"


def test_offer_type_guess(rules: OfferRules) -> None:
    assert guess_offer_type(rules, "", "marriage") == "marriage"
    assert guess_offer_type(rules, "có người rủ đi du học Nhật") == "study"
    assert guess_offer_type(rules, "tuyển người mẫu lương cao") == "job"
    assert guess_offer_type(rules, "???") is None


# --- the new fields through lint, the console and the API ----------------------------------


def test_lint_accepts_the_file_and_refuses_bad_new_fields() -> None:
    files = load_files(ROOT / "content")
    pieces = {p.piece_id for p in files.pieces}
    assert [p for p in lint_items(files, pieces) if "red_flags" in p] == []
    ids = {"a", "b"}
    ok = {"critical": True, "all_of": ["a", ["b"]], "keywords": ["x y"], "not_part_of": ["y z"]}
    assert lint_red_flag("c", ok, "w", ids) == []
    assert lint_red_flag("c", {"critical": "yes", "keywords": ["x"]}, "w", ids)
    assert lint_red_flag("c", {"all_of": [["a", "nope"]]}, "w", ids)
    assert lint_red_flag("a", {"all_of": ["a", "b"]}, "w", ids)  # itself
    assert lint_red_flag("c", {"all_of": "a"}, "w", ids)
    assert lint_red_flag("c", {"keywords": "x"}, "w", ids)
    assert lint_red_flag("c", {"critical": True}, "w", ids)  # critical but never found
    assert lint_red_flag("c", {"min_level": "very"}, "w", ids)


def test_console_saves_a_critical_combination_flag(hotline_rt: Any) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
    flag = {
        "weight": 4,
        "critical": True,
        "all_of": [["model_streamer_lure"], ["dest_china", "dest_laos"]],
        "not_part_of": ["lao cai"],
        "keywords": ["tuyen tiep vien sang tq"],
        "title": {"vi": "Tiếp viên ở nước ngoài", "en": "Hostess abroad"},
        "explain": {"vi": "Cần kiểm tra kỹ.", "en": "Check carefully."},
    }
    with unit_of_work(hotline_rt.sessions) as s:
        v = admin.save_item(s, "com1", "red_flag", "hostess-abroad", flag, create=True)
        assert v.snapshot["critical"] is True
        with pytest.raises(admin.Invalid) as bad:
            admin.save_item(
                s, "com1", "red_flag", "bad-combo", dict(flag, all_of=[["nope"]]), create=True
            )
        assert "all_of" in bad.value.problems[0].params["message"]


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("luong 1500 do/thang", [1500]),
        ("lương 1.500 USD một tháng", [1500]),
        ("$2,000 a month", [2000]),
        ("2 nghìn đô", [2000]),
        ("1.5k usd", [1500]),
        ("lam 8 tieng do cong ty tra", []),
    ],
)
def test_dollar_amounts_in_any_style(text: str, amounts: list[int]) -> None:
    from hotline.content.redflags import usd_amounts

    assert usd_amounts(text) == amounts
