"""The content lint: the real library is clean, and each kind of mistake is caught."""

import shutil
from pathlib import Path

from bot.content_cli import check_strings
from hotline.content.lint import allowed_numbers, lint_content, phone_numbers, unknown_numbers

ROOT = Path(__file__).resolve().parents[2]


def test_library_is_clean() -> None:
    assert lint_content(ROOT / "content") == []
    assert check_strings(ROOT / "content") == []


def test_phone_number_detection() -> None:
    text = (
        "Gọi 111 hoặc 113, tổng đài +84 981 84 84 84. Lương 800–900 USD, Điều 150, năm 2024, "
        "10.000 USD, 53/2024/QH15."
    )
    allowed = allowed_numbers(ROOT / "content")  # the numbers of content/contacts.yml
    assert unknown_numbers(text, allowed) == []
    assert unknown_numbers("Gọi ngay 0987 654 321", allowed) == ["0987 654 321"]
    assert unknown_numbers("call 116 now", allowed) == ["116"]
    assert "+84 965 41 11 18" in phone_numbers("bảo hộ công dân +84 965 41 11 18.")
    assert unknown_numbers("Đại sứ quán tại Yangon: +95 9 660 888 998", allowed) == []


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "content"
    for sub in ("vi", "en", "quizzes", "offers", "strings"):
        shutil.copytree(ROOT / "content" / sub, dst / sub)
    shutil.copy(ROOT / "content" / "contacts.yml", dst / "contacts.yml")  # the allowed numbers
    return dst


def test_lint_catches_mistakes(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    piece = root / "vi" / "hotline-numbers.md"
    text = piece.read_text(encoding="utf-8")
    text = text.replace("related: [", "related: [does-not-exist, ", 1)
    text += "\n<!-- more -->\n" + "x" * 701 + "\nGọi 0912 345 678 để được giúp.\n"
    piece.write_text(text, encoding="utf-8")
    (root / "en" / "organ-trafficking.md").unlink()
    fm = root / "vi" / "keep-evidence.md"
    fm.write_text(fm.read_text(encoding="utf-8").replace("sources:", "nguon:", 1), "utf-8")
    problems = "\n".join(lint_content(root))
    assert "does-not-exist" in problems
    assert "> 700" in problems
    assert "0912 345 678" in problems
    assert "en/organ-trafficking.md" in problems
    assert "keep-evidence.md: front matter" in problems and "sources" in problems


def test_wording_rules() -> None:
    from hotline.content.lint import wording_problems

    # One spelling: the tone mark on the main vowel (hóa, xóa, hủy); "quý" is not oa/uy.
    assert wording_problems("Tin được mã hóa, bạn có thể xóa hoặc hủy, quý vị.", "vi") == []
    found = "\n".join(wording_problems("Đã huỷ. Tin được mã hoá và xoá.", "vi"))
    assert "'huỷ'" in found and "'hoá'" in found and "'xoá'" in found
    # One name for the receipt code.
    assert wording_problems("Giữ mã biên nhận; keep your receipt code.", "vi") == []
    assert wording_problems("Nhập mã theo dõi", "vi") and wording_problems("your tip code", "en")
    # "đường dây nóng" always says whose line it is.
    assert wording_problems("gửi cho đường dây nóng Cảnh Giác hoặc gọi Tổng đài 111", "vi") == []
    assert wording_problems("gọi đường dây nóng 111", "vi")


def test_wording_rules_apply_to_what_the_bot_says_not_what_people_type(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.copytree(ROOT / "content" / "faq", root / "faq")
    faq = root / "faq" / "hotlines.yml"
    text = faq.read_text(encoding="utf-8")
    # A user phrasing may say anything; an answer may not.
    assert "đường dây nóng" in text  # people ask for "the hotline"
    assert not any("faq/hotlines.yml" in p for p in lint_content(root))
    piece = root / "vi" / "who-to-report-to.md"
    piece.write_text(
        piece.read_text(encoding="utf-8").replace("Tổng đài 111", "đường dây nóng 111", 1),
        encoding="utf-8",
    )
    assert any("vi/who-to-report-to.md" in p and "Tổng đài 111" in p for p in lint_content(root))


def test_every_source_has_a_date_and_every_figure_a_source(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    piece = root / "vi" / "organ-trafficking.md"
    text = piece.read_text(encoding="utf-8")
    assert lint_content(root) == []
    # A figure nobody cited is refused; a quoted lure is not a figure.
    piece.write_text(
        text + "\n<!-- more -->\nCó 37 vụ trong năm. “Trả ngay 99 triệu” là lời mời chào.\n",
        encoding="utf-8",
    )
    problems = [p for p in lint_content(root) if "organ-trafficking" in p]
    assert (
        len(problems) == 1 and "'37 vụ'" in problems[0] and "without a dated source" in problems[0]
    )
    # Cited with a date, it passes; a source without any date is refused.
    cited = text.replace(
        "sources:\n", 'sources:\n  - "Báo X, 37 vụ mua bán bộ phận cơ thể, 02/01/2026"\n', 1
    )
    piece.write_text(cited + "\n<!-- more -->\nCó 37 vụ trong năm.\n", encoding="utf-8")
    assert [p for p in lint_content(root) if "organ-trafficking" in p] == []
    undated = cited.replace(", 02/01/2026", "", 1)
    piece.write_text(undated + "\n<!-- more -->\nCó 37 vụ trong năm.\n", encoding="utf-8")
    problems = [p for p in lint_content(root) if "organ-trafficking" in p]
    assert any("source without a date" in p for p in problems)
    assert any("'37 vụ'" in p for p in problems)  # an undated source supports no figure


def test_a_figure_in_a_faq_answer_needs_a_dated_source(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.copytree(ROOT / "content" / "faq", root / "faq")
    faq = root / "faq" / "tactics.yml"
    text = faq.read_text(encoding="utf-8")

    def tactics_problems() -> list[str]:
        return [p for p in lint_content(root) if p.startswith("faq/tactics.yml")]

    assert "https://baolaocai.vn" in text and tactics_problems() == []
    faq.write_text(text.replace("https://baolaocai.vn", "https://example.invalid"), "utf-8")
    assert tactics_problems() == []  # the URL is not what is checked: the figure is
    faq.write_text(text.replace("hứa 800–1.000 USD", "hứa 900–1.200 USD"), "utf-8")
    assert any("lure-easy-job-high-pay" in p and "900–1.200 USD" in p for p in tactics_problems())


def test_every_figure_in_the_library_has_a_dated_source() -> None:
    import re as _re

    from hotline.content.lint import _FIGURE, _QUOTED, PIECE_LANGS, _said, lint_sources
    from hotline.content.loader import load_files

    files = load_files(ROOT / "content")
    texts = ["\n".join([p.title, *p.parts]) for p in files.pieces]
    texts += [t for i in files.items for lang in PIECE_LANGS for t in _said(i.data, lang)]
    figures = [m.group(0) for t in texts for m in _FIGURE.finditer(_QUOTED.sub("", t))]
    assert len(figures) >= 50  # the rule has something to check
    assert lint_sources(files) == []
    assert all(_re.search(r"\d", s) for p in files.pieces for s in p.sources)
