"""The string catalogue: every citizen-facing text lives in content/strings/<lang>/*.yml."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from hotline.kit.yamlio import load_yaml

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class MissingString(KeyError):
    """A key is in no language of the catalogue (a programming error, caught by tests)."""


class Catalog:
    """Flattened `file.key.sub` strings per language, with Vietnamese as the fallback."""

    def __init__(self, strings: dict[str, dict[str, str]]) -> None:
        self._strings = strings

    @classmethod
    def load(cls, content_dir: Path) -> Catalog:
        """Read every YAML file under content/strings/<lang>/."""
        strings: dict[str, dict[str, str]] = {}
        base = content_dir / "strings"
        for lang_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            flat: dict[str, str] = {}
            for path in sorted(lang_dir.glob("*.yml")):
                data = load_yaml(path.read_text(encoding="utf-8")) or {}
                _flatten(path.stem, data, flat)
            strings[lang_dir.name] = flat
        return cls(strings)

    @property
    def languages(self) -> list[str]:
        """Languages that have a catalogue."""
        return sorted(self._strings)

    def keys(self, lang: str) -> set[str]:
        """All keys of one language."""
        return set(self._strings.get(lang, {}))

    def has(self, key: str) -> bool:
        """True when the key exists in Vietnamese."""
        return key in self._strings.get(DEFAULT_LANGUAGE, {})

    def t(self, lang: str, key: str, **params: Any) -> str:
        """Translate `key` into `lang` (falling back to Vietnamese) and fill `{params}`."""
        text = self._strings.get(lang, {}).get(key)
        if text is None:
            text = self._strings.get(DEFAULT_LANGUAGE, {}).get(key)
        if text is None:
            raise MissingString(key)
        if params:
            text = text.format(**params)
        return unicodedata.normalize("NFC", text)


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif node is not None:
        out[prefix] = str(node).rstrip("\n")
