"""Places people name (old districts, wards, border gates) and the province each lies in.

The districts and wards come from nlu/gazetteer.json, generated at build time from the
`vietnamadminunits` package's dataset by scripts/build_gazetteer.py (source and version are
recorded in the file); the border gates from nlu/border_gates.yml; which districts and communes
lie on a land border or the coast, each row with its source, from nlu/border_areas.yml. Nothing
is fetched at run time.

A name is a place only with evidence, because many are ordinary words ("Thống Nhất",
"Bình Minh", "Cầu Treo") or people's and streets' names:
- after a unit word ("huyện Bát Xát", "xã Tả Van", "cửa khẩu Mộc Bài", "chợ Cốc Lếu"), or
- a district or gate name of two or more syllables after a word that places someone
  ("ở", "quê", "từ", "về", ...), or as the whole message (an answer to "which place?"), or
  next to a province name it belongs to ("Gò Quao, Kiên Giang").
Typed marks must be a subset of the name's (`accents_subset`). A name found in two provinces
gets a province only when the message names one of them; otherwise none (never a guess).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.normalize import fold, for_matching

HERE = Path(__file__).resolve().parent
GAZETTEER_FILE = HERE / "gazetteer.json"
GATES_FILE = HERE / "border_gates.yml"
AREAS_FILE = HERE / "border_areas.yml"

DISTRICT, WARD, GATE = "district", "ward", "gate"
LAND, COAST = "land", "coast"
MAX_WORDS = 4

# Unit words before a name: (accented form, kinds it introduces, whether the marks must be
# typed). A bare "xa" is "far", "cho" is "for", "quan" is "official": those need their marks.
_PREFIXES: tuple[tuple[str, frozenset[str], bool], ...] = (
    ("huyện", frozenset({DISTRICT}), False),
    ("quận", frozenset({DISTRICT}), True),
    ("thị xã", frozenset({DISTRICT}), False),
    ("tx", frozenset({DISTRICT}), False),
    ("thành phố", frozenset({DISTRICT}), False),
    ("tp", frozenset({DISTRICT}), False),
    ("xã", frozenset({WARD}), True),
    ("phường", frozenset({WARD}), False),
    ("thị trấn", frozenset({WARD}), False),
    ("đặc khu", frozenset({WARD}), False),
    ("cửa khẩu", frozenset({GATE}), False),
    ("chợ", frozenset({DISTRICT, WARD, GATE}), True),
)
# Words after which a name is where someone is, comes from or goes to (folded).
_CUES = frozenset(
    "o tai que tu ve len xuong ra vao den toi sang qua khu vung gan thuoc huong".split()  # noqa: SIM905
)
# Names that are also common nouns ("xã biên giới" is any border commune, "cầu treo" any rope
# bridge): never a ward or district; a gate only after "cửa khẩu" (folded).
_COMMON_NOUNS = frozenset({"bien gioi", "trung tam", "dau moi", "an toan", "cau treo"})
# The unit type an abbreviated unit word stands for; "chợ" names no unit type.
_UNIT_TYPE = {"tx": "thi xa", "tp": "thanh pho", "cho": ""}
_WORD = re.compile(r"\w+")
# Last words of unit words, folded ("tỉnh Hòa Bình", "thành phố Thái Bình").
_UNIT_WORDS = frozenset({"tinh", "pho", "tp", "huyen", "xa", "quan", "tran", "thi"})


def _words(text: str) -> str:
    """The words of a name, single-spaced (punctuation dropped)."""
    return " ".join(_WORD.findall(text))


def _key(name: str) -> str:
    """The index key of a name: its words, lowercase, without diacritics."""
    return _words(fold(name.lower()))


@dataclass(frozen=True)
class Place:
    """One named place and the current province it lies in."""

    name: str  # lowercase NFC, as matched
    kind: str  # district | ward | gate
    province: str
    unit_type: str = ""  # folded: "huyen", "quan", "thi xa", "thanh pho", "xa", "phuong", ...
    country: str | None = None  # for a border gate: the neighbouring country


@dataclass(frozen=True)
class BorderArea:
    """A place that lies on a land border or the coast, and the source that says so."""

    place: Place
    area: str  # LAND | COAST
    source: str | None  # a source id of nlu/border_areas.yml; None: the row is not verified

    @property
    def verified(self) -> bool:
        """Whether a source checked here names this place as on the border / coast."""
        return self.source is not None


@dataclass(frozen=True)
class PlaceMatch:
    """A place name found in a text: offsets into the text searched and the candidates."""

    start: int
    end: int
    places: tuple[Place, ...]
    evidence: bool  # False: a bare name that counts only if a province in the text confirms it
    prefixed: bool = False  # after a unit word ("huyện", "xã", "cửa khẩu", "chợ")

    @property
    def provinces(self) -> frozenset[str]:
        """The provinces the name may refer to."""
        return frozenset(p.province for p in self.places)


def _marks(ch: str) -> tuple[str, frozenset[str]]:
    """A letter's base and its set of diacritics ("ộ" -> ("o", {dot below, circumflex}))."""
    if ch in "đĐ":
        return ch.lower().replace("đ", "d"), frozenset("\u0335")  # đ: d with a stroke
    nfd = unicodedata.normalize("NFD", ch)
    return nfd[0], frozenset(c for c in nfd[1:] if unicodedata.combining(c))


def accents_subset(surface: str, form: str) -> bool:
    """Whether `surface` is `form` with some of its diacritics left out, and none added.

    "hà noi" and "hà nôi" are "hà nội" typed partly without marks; "hả nội" is another word.
    """
    if len(surface) != len(form):
        return False
    for a, b in zip(surface, form, strict=True):
        if a == b:
            continue
        base_a, marks_a = _marks(a)
        base_b, marks_b = _marks(b)
        if base_a != base_b or not marks_a <= marks_b:
            return False
    return True


class Gazetteer:
    """Place names indexed by their folded form, matched word by word."""

    def __init__(
        self,
        places: Iterable[Place],
        areas: Iterable[tuple[str, str, str, str, str | None]] = (),
        source: dict[str, Any] | None = None,
    ) -> None:
        """Index `places`; `areas` are (kind, name, province, LAND|COAST, source id or None)."""
        self.source = dict(source or {})
        self.by_fold: dict[str, list[Place]] = {}
        for p in places:
            # Keyed by words only: "Phan Rang - Tháp Chàm", "Cư M'gar" are typed many ways.
            self.by_fold.setdefault(_key(p.name), []).append(p)
        # Per message most words start no district or gate name: one set lookup rules them out.
        self._bare_first = frozenset(
            k.split()[0]
            for k, ps in self.by_fold.items()
            if " " in k and any(p.kind in (DISTRICT, GATE) for p in ps)
        )
        # (kind, folded name, province) -> [(area, source)]: a district may be both (Móng Cái).
        self.areas: dict[tuple[str, str, str], list[tuple[str, str | None]]] = {}
        for kind, name, prov, area, src in areas:
            self.areas.setdefault((kind, _key(name), prov), []).append((area, src))
        # First word of a unit word -> the unit words starting with it (longest first).
        self._prefixes: dict[str, list[tuple[tuple[str, ...], str, frozenset[str], bool]]] = {}
        for form, kinds, strict in sorted(_PREFIXES, key=lambda p: -len(p[0])):
            words = tuple(fold(form).split())
            self._prefixes.setdefault(words[0], []).append((words, form, kinds, strict))

    @classmethod
    def load(
        cls,
        data_file: Path = GAZETTEER_FILE,
        gates_file: Path = GATES_FILE,
        areas_file: Path = AREAS_FILE,
    ) -> Gazetteer:
        """Read the generated districts/wards file, the border gates and the border/coast areas."""
        doc = json.loads(data_file.read_text(encoding="utf-8"))
        places: list[Place] = []
        for key, kind in (
            ("districts_before_2025", DISTRICT),
            ("wards_before_2025", WARD),
            ("wards_since_2025", WARD),
        ):
            places += [
                Place(for_matching(n).text, kind, prov, fold(t).lower()) for n, t, prov in doc[key]
            ]
        gates: dict[str, Any] = yaml.safe_load(gates_file.read_text(encoding="utf-8")) or {}
        areas: list[tuple[str, str, str, str, str | None]] = []
        for name, _district, prov, country, *src in gates.get("gates") or []:
            places.append(Place(for_matching(name).text, GATE, prov, "cua khau", country))
            areas.append((GATE, name, prov, LAND, src[0] if src else None))
        doc_areas: dict[str, Any] = yaml.safe_load(areas_file.read_text(encoding="utf-8")) or {}
        for name, _former, prov, _country, src in doc_areas.get("land_border_districts") or []:
            areas.append((DISTRICT, name, prov, LAND, src))
        for name, _district, prov, _country, src in doc_areas.get("land_border_communes") or []:
            areas.append((WARD, name, prov, LAND, src))
        for name, _former, prov, src in doc_areas.get("coastal_districts") or []:
            areas.append((DISTRICT, name, prov, COAST, src))
        for name, _district, prov, src in doc_areas.get("coastal_communes") or []:
            areas.append((WARD, name, prov, COAST, src))
        return cls(places, areas, doc.get("source"))

    def lookup(self, name: str, kinds: Iterable[str] = (DISTRICT, WARD, GATE)) -> list[Place]:
        """Places with this exact name (any marks typed must be the name's), of these kinds."""
        low = for_matching(name).text
        wanted = set(kinds)
        return [
            p
            for p in self.by_fold.get(_key(low), [])
            if p.kind in wanted and accents_subset(_words(low), _words(p.name))
        ]

    def areas_of(self, place: Place) -> list[BorderArea]:
        """The land-border / coast facts known for a place (none for an inland one)."""
        found = self.areas.get((place.kind, _key(place.name), place.province), [])
        return [BorderArea(place, area, src) for area, src in found]

    def is_border_place(self, place: Place) -> bool:
        """Whether a place is a gate, or a district or commune on the land border."""
        return any(a.area == LAND for a in self.areas_of(place))

    def count(self, kind: str, area: str, verified: bool | None = None) -> int:
        """How many places of this kind the data puts on this area (optionally: verified or not)."""
        return sum(
            1
            for (k, _n, _p), facts in self.areas.items()
            if k == kind
            for a, src in facts
            if a == area and (verified is None or (src is not None) == verified)
        )

    def find(self, low: str) -> list[PlaceMatch]:
        """Place names in `low` (lowercased NFC text, see `for_matching`), left to right."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(low)]
        if not words:
            return []
        folded = fold(low)  # same length as `low`
        keys = [folded[s:e] for s, e in words]
        out: list[PlaceMatch] = []
        i = 0
        while i < len(words):
            got = (keys[i] in self._prefixes and self._prefixed(low, words, keys, i)) or self._bare(
                low, words, keys, i
            )
            if got is None:
                i += 1
                continue
            match, i = got
            out.append(match)
        return out

    def _name_at(
        self,
        low: str,
        words: list[tuple[int, int]],
        keys: list[str],
        i: int,
        kinds: frozenset[str],
        unit_type: str = "",
    ) -> tuple[int, list[Place]] | None:
        """The longest name starting at word i: (words it spans, places whose marks fit)."""
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            cands = self.by_fold.get(" ".join(keys[i : i + n]))
            if not cands:
                continue
            surface = " ".join(low[s:e] for s, e in words[i : i + n])
            fits = [p for p in cands if p.kind in kinds and accents_subset(surface, _words(p.name))]
            # The name typed with all its marks beats names it is a bare form of ("Tả Van"
            # is not "Tả Ván"); the unit word typed beats other units ("huyện Hòa Bình").
            exact = [p for p in fits if _words(p.name) == surface]
            fits = exact if exact and surface != fold(surface) else fits
            typed = [p for p in fits if p.unit_type == unit_type]
            fits = typed or fits
            if fits:
                return n, fits
        return None

    def _prefixed(
        self, low: str, words: list[tuple[int, int]], keys: list[str], i: int
    ) -> tuple[PlaceMatch, int] | None:
        for pre, form, kinds, strict in self._prefixes.get(keys[i], ()):
            k = len(pre)
            if tuple(keys[i : i + k]) != pre or i + k >= len(words):
                continue
            typed = low[words[i][0] : words[i + k - 1][1]]
            if (strict and typed != form) or not accents_subset(typed, form):
                continue
            unit_type = _UNIT_TYPE.get(fold(form), fold(form))
            found = self._name_at(low, words, keys, i + k, kinds, unit_type)
            if found is None:
                continue
            n, places = found
            name = " ".join(keys[i + k : i + k + n])
            if (name in _COMMON_NOUNS and kinds != {GATE}) or (form == "chợ" and n < 2):
                continue  # "chợ/xã biên giới" is a border market/commune, not xã Biên Giới
            end = i + k + n
            match = PlaceMatch(words[i][0], words[end - 1][1], tuple(places), True, True)
            return match, end
        return None

    def _bare(
        self, low: str, words: list[tuple[int, int]], keys: list[str], i: int
    ) -> tuple[PlaceMatch, int] | None:
        if keys[i] not in self._bare_first:
            return None
        found = self._name_at(low, words, keys, i, frozenset({DISTRICT, GATE}))
        if found is None:
            return None
        n, places = found
        if " ".join(keys[i : i + n]) in _COMMON_NOUNS:
            return None
        if n < 2:  # one syllable ("vinh", "an") alone is an ordinary word far more often
            return None
        end = i + n
        whole = i == 0 and end == len(words)
        cued = i > 0 and keys[i - 1] in _CUES
        return PlaceMatch(words[i][0], words[end - 1][1], tuple(places), whole or cued), end


def placed(low: str, start: int, end: int) -> bool:
    """Whether the words at [start, end) of `low` read as a place: the whole text, or after a
    word that places someone ("ở", "quê", ...) or a unit word ("tỉnh", "huyện", ...)."""
    before = _WORD.findall(fold(low[:start]))
    if not before and not _WORD.search(low[end:]):
        return True
    return bool(before) and (before[-1] in _CUES or before[-1] in _UNIT_WORDS)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped with the package (cached: loading takes ~100 ms)."""
    return Gazetteer.load()


def border_areas(text: str, province: str | None = None) -> list[BorderArea]:
    """Land-border and coastal places named in `text` (in `province`, if given), with sources.

    A name in two provinces counts only when `province` says which: never a guess.
    """
    gaz = default_gazetteer()
    low = for_matching(text).text
    out: list[BorderArea] = []
    for m in gaz.find(low):
        if province is None and len(m.provinces) > 1:
            continue  # two provinces, none named: no guess
        if not m.prefixed:
            if _key(low[m.start : m.end]) in _province_names():
                continue  # "ở Lào Cai", "ở Quảng Ninh": the province, not its namesake district
            if not m.evidence and province not in m.provinces:
                continue  # a bare name counts only where the province named confirms it
        for p in m.places:
            if province is None or p.province == province:
                # A ward named before and since 2025 is one place: list its fact once.
                out += [a for a in gaz.areas_of(p) if a not in out]
    return out


@lru_cache(maxsize=1)
def _province_names() -> frozenset[str]:
    """Folded province names, former names and aliases (the NLU's province lookup forms)."""
    from nlu.entities import load_tables  # imported here: nlu.entities imports this module

    return frozenset(_key(f) for f in load_tables().lookups.get("province", []))


def border_place(text: str, province: str | None = None) -> Place | None:
    """A border gate, district or commune on the land border named in `text`, else None."""
    land = [a for a in border_areas(text, province) if a.area == LAND]
    return land[0].place if land else None


__all__ = [
    "AREAS_FILE",
    "COAST",
    "DISTRICT",
    "GATE",
    "GATES_FILE",
    "GAZETTEER_FILE",
    "LAND",
    "WARD",
    "BorderArea",
    "Gazetteer",
    "Place",
    "PlaceMatch",
    "accents_subset",
    "border_areas",
    "border_place",
    "default_gazetteer",
    "placed",
]
