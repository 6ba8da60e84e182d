"""The pure red-flag scoring engine on the real red_flags.yml."""

from pathlib import Path

import pytest

from hotline.content.loader import load_files
from hotline.content.redflags import OfferRules, assess, guess_offer_type, scan_text
from hotline.content.service import library_from_files

ROOT = Path(__file__).resolve().parents[2]


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


def test_low_when_nothing_found(rules: OfferRules) -> None:
    result = assess(rules, set(), {"who_keeps_passport": "i_keep", "urgency": "no"})
    assert (result.level, result.score, result.flags) == ("low", 0, [])


def test_thresholds(rules: OfferRules) -> None:
    medium = assess(rules, set(), {"pay_promised": "too_high"})  # 3 + 1
    assert medium.level == "medium" and medium.score == 4
    high = assess(rules, set(), {"pay_promised": "too_high", "who_pays_fees": "i_pay_agent"})
    assert high.level == "high" and high.score >= 6
    assert high.flags[0].id in {"easy_job_high_pay", "fee_to_individual"}


def test_min_level_needs_an_answer(rules: OfferRules) -> None:
    # Passport held (weight 4, min_level high): confirmed by an answer -> high on its own.
    assert assess(rules, set(), {"who_keeps_passport": "employer_keeps"}).level == "high"
    # Only a keyword in the text: counts its weight, but the min_level is not applied.
    assert assess(rules, {"passport_kept"}, {}).level == "medium"
    # The answer "I keep it" overrides the keyword ("tôi tự giữ hộ chiếu").
    refuted = assess(rules, {"passport_kept"}, {"who_keeps_passport": "i_keep"})
    assert refuted.level == "low" and refuted.flags == []
    # A skipped question does not refute it.
    assert assess(rules, {"passport_kept"}, {"who_keeps_passport": None}).score == 4


def test_extra_flags_are_confirmed(rules: OfferRules) -> None:
    result = assess(rules, set(), {}, extra_flags=[rules.destinations["Campuchia"]])
    assert result.flags and result.flags[0].id == "dest_cambodia"


def test_offer_type_guess(rules: OfferRules) -> None:
    assert guess_offer_type(rules, "", "marriage") == "marriage"
    assert guess_offer_type(rules, "có người rủ đi du học Nhật") == "study"
    assert guess_offer_type(rules, "tuyển người mẫu lương cao") == "job"
    assert guess_offer_type(rules, "???") is None
