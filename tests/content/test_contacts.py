"""The contacts directory: it loads, every entry is sourced, and the number lint is built on it."""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from hotline.content.contacts import (
    FILE_NAME,
    Directory,
    directory_at,
    format_contacts,
    normalise_number,
    parse_directory,
    read_directory,
)
from hotline.content.lint import lint_content, phone_numbers, unknown_numbers

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
# Contract §6: the canonical country names the NLU gives; each must have a directory entry.
COUNTRIES = (
    "Campuchia",
    "Myanmar",
    "Thái Lan",
    "Lào",
    "Trung Quốc",
    "Malaysia",
    "Hàn Quốc",
    "Nhật Bản",
    "Đài Loan",
)
MISSIONS = {
    "Campuchia": {"Phnom Penh", "Battambang", "Sihanoukville"},
    "Myanmar": {"Yangon"},
    "Thái Lan": {"Bangkok", "Khon Kaen"},
    "Lào": {"Viêng Chăn", "Luang Prabang", "Savannakhet", "Pakse"},
    "Trung Quốc": {"Bắc Kinh", "Nam Ninh", "Côn Minh", "Quảng Châu"},
    "Malaysia": {"Kuala Lumpur"},
    "Hàn Quốc": {"Seoul", "Busan"},
    "Nhật Bản": {"Tokyo", "Osaka", "Fukuoka"},
    "Đài Loan": {"Đài Bắc"},
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return read_directory(CONTENT / FILE_NAME)


def test_directory_loads_without_problems(directory: Directory) -> None:
    assert directory.problems == ()
    assert len(directory.contacts) >= 29
    assert set(COUNTRIES) <= set(directory.countries)


def test_every_entry_has_a_source_and_a_verified_date(directory: Directory) -> None:
    for c in directory.contacts:
        assert c.source.startswith("https://") or c.source.startswith("http://"), c.contact_id
        assert isinstance(c.verified, date), c.contact_id
        assert c.verified <= date(2026, 12, 31), c.contact_id
        assert c.name.get("vi") and c.name.get("en"), c.contact_id
        assert c.purpose.get("vi") and c.purpose.get("en"), c.contact_id
        if not c.reachable:  # a mission kept without a number says so
            assert "NO SOURCED NUMBER" in c.note, c.contact_id
        for phone in c.phones:
            assert phone.startswith("+") or c.country == "Việt Nam", (c.contact_id, phone)


def test_the_missions_asked_for_are_listed(directory: Directory) -> None:
    for country, cities in MISSIONS.items():
        found = {c.city for c in directory.missions(country)}
        assert cities <= found, (country, cities - found)
        assert directory.missions(country)[0].kind in ("embassy", "office"), country


def test_national_numbers(directory: Directory) -> None:
    numbers = [p for c in directory.national() for p in c.phones]
    for short in ("111", "113", "112", "114", "115"):
        assert short in numbers
    assert "+84 981 84 84 84" in numbers and "+84 965 41 11 18" in numbers
    assert directory.national()[0].phones != ("+84 981 84 84 84", "+84 965 41 11 18")
    assert "baohocongdan@gmail.com" in directory.allowed_emails()
    channels = [c for c in directory.national() if c.kind == "channel"]
    assert channels and "https://tongdai111.vn" in channels[0].links


def test_for_country_gives_missions_first_then_the_hotlines_never_113(
    directory: Directory,
) -> None:
    for country in COUNTRIES:
        contacts = directory.for_country(country)
        phones = {p for c in contacts for p in c.phones}
        assert "113" not in phones and "111" not in phones, country
        assert "+84 981 84 84 84" in phones, country
        kinds = [c.kind for c in contacts]
        first_hotline = kinds.index("hotline")
        assert all(k in ("embassy", "office", "consulate") for k in kinds[:first_hotline])
    cambodia = directory.for_country("campuchia")  # any case, no diacritics needed
    assert cambodia[0].contact_id == "kh-phnom-penh"
    assert directory.for_country("Cambodia")[0].contact_id == "kh-phnom-penh"
    # A country without a listed mission still gets the hotlines that work from anywhere.
    singapore = directory.for_country("Singapore")
    assert singapore and all(c.abroad for c in singapore)
    assert directory.for_country("Việt Nam") == directory.national()
    assert directory.for_country(None) == directory.national()


def test_format_contacts(directory: Directory) -> None:
    text = format_contacts(directory.for_country("Campuchia"), "vi")
    first = text.splitlines()[0]
    assert first == "🇰🇭 Đại sứ quán Việt Nam tại Phnom Penh (bảo hộ công dân): +855 23 726 274"
    assert "Battambang" not in text  # no sourced number: not shown, the hotlines follow
    assert "+84 981 84 84 84, +84 965 41 11 18" in text
    assert "baohocongdan@gmail.com" in text
    english = format_contacts(directory.for_country("Nhật Bản"), "en")
    assert english.startswith("🇯🇵 Embassy of Viet Nam in Tokyo (citizen protection): +81 80")
    assert "📍 Vietnam Economic and Cultural Office in Taipei" in format_contacts(
        directory.for_country("Đài Loan"), "en"
    )
    assert format_contacts([], "vi") == ""


def test_due_for_review(directory: Directory) -> None:
    due = {c.contact_id for c in directory.due_for_review(date(2026, 12, 7), max_age_days=3 * 365)}
    assert {"th-bangkok", "kh-battambang", "la-vientiane", "kh-phnom-penh"} <= due
    assert "vn-citizen-protection" not in due and "jp-tokyo" not in due


def test_allowed_numbers_are_normalised(directory: Directory) -> None:
    allowed = directory.allowed_numbers()
    assert {"111", "113", "+84981848484", "+84965411118", "+85523726274"} <= allowed
    assert normalise_number("+84 981 84 84 84") == "+84981848484"
    assert normalise_number("0981 84 84 84") == "+84981848484"
    assert normalise_number("0086 13099948529") == "+8613099948529"
    assert normalise_number("(+95) 9 660 888 998") == "+959660888998"
    assert normalise_number("113") == "113"


def test_every_number_in_content_passes() -> None:
    problems = lint_content(CONTENT)
    assert [p for p in problems if "number" in p or FILE_NAME in p] == []


def test_numbers_of_the_directory_are_accepted_others_refused(directory: Directory) -> None:
    allowed = directory.allowed_numbers()
    text = "Ở Campuchia gọi +855 23 726 274 hoặc tổng đài +84 981 84 84 84."
    assert unknown_numbers(text, allowed) == []
    assert unknown_numbers("Gọi +855 12 345 678 ngay", allowed) == ["+855 12 345 678"]
    assert unknown_numbers("(+95)96.6088.8998", allowed) == []
    # The sentence's full stop ends a number: the next sentence's number is its own.
    assert phone_numbers("Gọi +84 965 41 11 18. 111 là số trong nước.") == ["+84 965 41 11 18"]


def _copy_content(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    shutil.copytree(CONTENT, dst)
    return dst


def test_a_number_not_in_the_directory_fails_the_lint_until_it_is_added(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    piece = root / "vi" / "citizen-protection-abroad.md"
    piece.write_text(
        piece.read_text(encoding="utf-8") + "\n<!-- more -->\nỞ Thái Lan gọi +66 2 123 4567.\n",
        encoding="utf-8",
    )
    problems = lint_content(root)
    assert any("+66 2 123 4567" in p and "contacts.yml" in p for p in problems)

    # Added with a source and a date, the same number passes.
    path = root / FILE_NAME
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bangkok = next(c for c in data["contacts"] if c["id"] == "th-bangkok")
    bangkok["phones"] = ["+66 2 123 4567"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert not any("+66 2 123 4567" in p for p in lint_content(root))

    # Without a source it is refused: the directory itself fails the check.
    bangkok["source"] = ""
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("th-bangkok" in p and "source" in p for p in lint_content(root))


def test_directory_problems_are_reported() -> None:
    data = {
        "countries": {"Việt Nam": {"en": "Viet Nam"}},
        "contacts": [
            {"id": "a", "kind": "hotline", "country": "Việt Nam", "phones": ["0981 84 84 84"]},
            {"id": "a", "kind": "fax", "country": "Atlantis", "email": "not-an-email"},
            {"kind": "hotline"},
        ],
    }
    problems = "\n".join(parse_directory(data).problems)
    for expected in (
        "contacts.yml a: số '0981 84 84 84' cần dạng quốc tế",
        "missing source URL",
        "missing verified date",
        "needs vi and en",
        "kind 'fax'",
        "country 'Atlantis'",
        "e-mail 'not-an-email'",
        "duplicate id",
        "missing id",
    ):
        assert expected in problems, expected
    assert parse_directory(["not", "a", "mapping"]).problems
    assert read_directory(Path("/nonexistent/contacts.yml")).problems


def test_directory_at_reloads_when_the_file_changes(tmp_path: Path) -> None:
    shutil.copy(CONTENT / FILE_NAME, tmp_path / FILE_NAME)
    first = directory_at(tmp_path)
    assert directory_at(tmp_path) is first  # cached per process
    path = tmp_path / FILE_NAME
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert directory_at(tmp_path) is not first


def test_canhgiac_content_check_passes() -> None:
    cli = Path(sys.executable).parent / "canhgiac"
    result = subprocess.run(
        [str(cli), "content", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content OK" in result.stdout
