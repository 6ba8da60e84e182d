"""The string catalogue: complete in both languages, NFC, and the keys the code uses exist."""

import re
from pathlib import Path

from bot.content_cli import check_strings
from hotline.kit.i18n import Catalog

ROOT = Path(__file__).resolve().parents[2]


def test_catalog_complete_and_nfc() -> None:
    assert check_strings(ROOT / "content") == []


def test_every_literal_key_used_in_code_exists() -> None:
    catalog = Catalog.load(ROOT / "content")
    used: set[str] = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "hotline").rglob("*.py")):
        used |= set(
            re.findall(r"\.t\(\s*\"([a-z_]+\.[a-z_.]+)\"", path.read_text(encoding="utf-8"))
        )
    missing = sorted(k for k in used if not catalog.has(k))
    assert not missing, missing
