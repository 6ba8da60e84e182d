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
