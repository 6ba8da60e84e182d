"""The 34 provincial units as data (content/provinces.yml) and name resolution."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.normalize import fold_key


def name_key(text: str) -> str:
    """A province name as users type it: no case, diacritics, dots or hyphens ("TP.HCM")."""
    return fold_key(text.replace(".", " ").replace("-", " "))


@dataclass(frozen=True)
class Province:
    """One provincial unit and its borders."""

    code: str
    name: str
    name_en: str
    land_borders: tuple[str, ...] = ()
    coastal: bool = False
    former: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def has_border(self) -> bool:
        """True when the unit has a land border or a coastline (so a Border Guard unit)."""
        return bool(self.land_borders) or self.coastal


@dataclass
class ProvinceTable:
    """Provinces by code with a folded-name index (names, former names, aliases)."""

    provinces: list[Province]
    _index: dict[str, Province] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for p in self.provinces:
            for name in (p.name, p.name_en, p.code.replace("-", " "), *p.former, *p.aliases):
                self._index.setdefault(name_key(name), p)

    def resolve(self, text: str | None) -> Province | None:
        """The unit a name (current, former, alias; any diacritics) refers to, else None."""
        if not text or not text.strip():
            return None
        return self._index.get(name_key(text))

    def by_code(self, code: str) -> Province | None:
        """The unit with this code."""
        return next((p for p in self.provinces if p.code == code), None)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ProvinceTable:
        """Build from the parsed YAML document."""
        return cls(
            [
                Province(
                    code=str(p["code"]),
                    name=str(p["name"]),
                    name_en=str(p.get("name_en") or p["name"]),
                    land_borders=tuple(p.get("land_borders") or ()),
                    coastal=bool(p.get("coastal")),
                    former=tuple(p.get("former") or ()),
                    aliases=tuple(str(a) for a in p.get("aliases") or ()),
                )
                for p in data.get("provinces", [])
            ]
        )

    @classmethod
    def load(cls, path: Path) -> ProvinceTable:
        """Read content/provinces.yml."""
        return cls.from_data(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
