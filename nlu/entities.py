"""Lookup-table entity extraction (province, country, platform, tactic, tip_code).

The tables, synonyms and regexes are read from the Rasa training files in `nlu/data`, so the
embedded engine and Rasa extract from the same single source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.gazetteer import (
    DISTRICT,
    Gazetteer,
    PlaceMatch,
    accents_subset,
    default_gazetteer,
    placed,
)
from nlu.normalize import fold, for_matching, has_diacritics

DATA_DIR = Path(__file__).resolve().parent / "data"
# Places abroad kept outside the Rasa training data (a change there retrains the model).
ABROAD_FILE = Path(__file__).resolve().parent / "places_abroad.yml"
ENTITY_TYPES = ("province", "country", "platform", "tactic", "tip_code")
TACTICS = (
    "job_offer",
    "marriage",
    "scam_compound",
    "adoption_surrogacy",
    "organ",
    "travel_study",
)
EXTRACTOR = "CanhGiacLookupExtractor"

_TIP_CODE_CHARS = re.compile(r"[^0-9A-Z]")
TIP_CODE_RE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def canonical_tip_code(raw: str) -> str:
    """Uppercase a receipt code and put it in the contract's XXXX-XXXX-XXXX-XXXX form."""
    compact = _TIP_CODE_CHARS.sub("", raw.upper())
    if len(compact) != 16:
        return raw.upper()
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class Match:
    """One extracted entity with offsets into the original text."""

    entity: str
    value: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        """The Rasa-style entity dict."""
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": EXTRACTOR,
        }


@dataclass
class Tables:
    """Lookup forms per entity, global synonyms (lowercased form -> value) and regexes."""

    lookups: dict[str, list[str]]
    synonyms: dict[str, str]
    regexes: dict[str, list[str]]


def _examples(block: Any) -> list[str]:
    """The items of a Rasa `examples: |` block."""
    if isinstance(block, list):
        return [str(x).strip() for x in block if str(x).strip()]
    items: list[str] = []
    for line in str(block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line == "-":
            continue
    return items


def load_tables(data_dir: Path = DATA_DIR) -> Tables:
    """Read every lookup, synonym and regex from the Rasa YAML files under `data_dir`."""
    lookups: dict[str, list[str]] = {}
    synonyms: dict[str, str] = {}
    regexes: dict[str, list[str]] = {}
    files = sorted(data_dir.rglob("*.yml")) + sorted(data_dir.rglob("*.yaml"))
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            if not isinstance(item, dict):
                continue
            examples = _examples(item.get("examples"))
            if "lookup" in item:
                lookups.setdefault(str(item["lookup"]), []).extend(examples)
            elif "synonym" in item:
                value = str(item["synonym"])
                for form in examples:
                    synonyms[for_matching(form).text] = value
                synonyms.setdefault(for_matching(value).text, value)
            elif "regex" in item:
                regexes.setdefault(str(item["regex"]), []).extend(examples)
    return Tables(lookups, synonyms, regexes)


def add_places_abroad(tables: Tables, path: Path = ABROAD_FILE) -> None:
    """Add the country forms of nlu/places_abroad.yml (city or area -> its country)."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for country, forms in (doc.get("countries") or {}).items():
        names = [str(f).strip() for f in forms or () if str(f).strip()]
        tables.lookups.setdefault("country", []).extend(names)
        for form in names:
            tables.synonyms[for_matching(form).text] = str(country)


def _alternation(forms: Iterable[str]) -> str:
    """A regex alternation of literal forms, longest first so the longest match wins."""
    uniq = sorted(set(forms), key=lambda s: (-len(s), s))
    return "|".join(re.escape(f) for f in uniq)


# Province names that are also ordinary words ("hòa bình cho thế giới", "Thái Bình Dương"):
# a place only where the words around make it one (see `nlu.gazetteer.placed`).
_ORDINARY_PROVINCE_WORDS = frozenset({"hoa binh", "thai binh"})
_NOT_AFTER = {"thai binh": re.compile(r"^\s*(duong|dương)\b")}


def _place_value(pm: PlaceMatch, context: set[str]) -> str | None:
    """The province of a place name: its only one, or the one the text also names; else None.

    A bare name without a cue counts only when a province in the text confirms it.
    """
    provinces = pm.provinces
    if pm.evidence and len(provinces) == 1:
        return next(iter(provinces))
    named = provinces & context
    return next(iter(named)) if len(named) == 1 else None


# A leading group of look-behinds that each end in a space, like "(?:(?<=\\bsang )|(?<=\\bqua ))".
_SPACE_LOOKBEHINDS = re.compile(r"\(\?:(?:\(\?<=[^()]* \)\|)*\(\?<=[^()]* \)\)")


def _after_space_first(pattern: str) -> str:
    """The same regex, but failing at once where no space precedes (when that is implied).

    The context regexes start with a dozen or more look-behinds ("after sang / qua / bên ..."),
    which `re` tried at every position of every message: most of the entity extractor's time.
    When each of them ends in a space, one "(?<= )" in front means exactly the same and
    rejects most positions with a one-character check.
    """
    return "(?<= )" + pattern if _SPACE_LOOKBEHINDS.match(pattern) else pattern


class EntityExtractor:
    """Extracts entities by whole-word literal matching of lookup forms plus context regexes."""

    def __init__(
        self,
        data_dir: Path = DATA_DIR,
        gazetteer: Gazetteer | None = None,
        abroad_file: Path | None = ABROAD_FILE,
    ) -> None:
        """Compile the tables found in `data_dir`; `gazetteer` adds districts, wards, gates;
        `abroad_file` adds places abroad (nlu/places_abroad.yml)."""
        self.tables = load_tables(data_dir)
        if abroad_file is not None:
            add_places_abroad(self.tables, abroad_file)
        self.gazetteer = gazetteer
        self._lookup_res: list[tuple[str, re.Pattern[str]]] = []
        # Per entity: the folded forms, and for each the accented forms it stands for.
        self._folded_res: list[tuple[str, re.Pattern[str], dict[str, list[str]]]] = []
        for entity, forms in self.tables.lookups.items():
            normalised = [for_matching(f).text for f in forms if f.strip()]
            if normalised:
                # Whole words only: \w is Unicode-aware, so Vietnamese letters count as word chars.
                pattern = rf"(?<!\w)(?:{_alternation(normalised)})(?!\w)"
                self._lookup_res.append((entity, re.compile(pattern)))
                by_fold: dict[str, list[str]] = {}
                for form in normalised:
                    if has_diacritics(form):
                        by_fold.setdefault(fold(form), []).append(form)
                if by_fold:
                    folded = rf"(?<!\w)(?:{_alternation(by_fold)})(?!\w)"
                    self._folded_res.append((entity, re.compile(folded), by_fold))
        self._regexes: list[tuple[str, re.Pattern[str]]] = [
            (entity, re.compile(_after_space_first(p), re.IGNORECASE))
            for entity, patterns in self.tables.regexes.items()
            for p in patterns
        ]
        # The canonical values each entity can take (what contract §6 allows as "value").
        self.canonical: dict[str, set[str]] = {}
        for entity, forms in self.tables.lookups.items():
            self.canonical.setdefault(entity, set()).update(
                self.value_of(entity, f) for f in forms if f.strip()
            )

    def is_canonical(self, entity: str, value: str) -> bool:
        """Whether `value` is an allowed value of `entity` (tip codes: the contract format)."""
        if entity == "tip_code":
            return bool(TIP_CODE_RE.match(value))
        allowed = self.canonical.get(entity)
        return allowed is None or value in allowed

    def value_of(self, entity: str, surface: str) -> str:
        """The canonical value for a matched surface form."""
        if entity == "tip_code":
            return canonical_tip_code(surface)
        key = for_matching(surface).text
        return self.tables.synonyms.get(key, surface)

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Entities in `text` as Rasa-style dicts, offsets into the original `text`."""
        return [m.as_dict() for m in self.matches(text)]

    def matches(self, text: str) -> list[Match]:
        """All non-overlapping entity matches, sorted by position."""
        norm = for_matching(text)
        low = norm.text
        found: list[Match] = []
        for entity, rx in self._lookup_res:
            for m in rx.finditer(low):
                if self._is_word(entity, low, m.start(), m.end()):
                    continue
                s, e = norm.span(m.start(), m.end())
                found.append(Match(entity, self.value_of(entity, m.group(0)), s, e))
        if has_diacritics(low):
            # Mixed typing ("Hà noi", "lao Cai"): fully accented and fully bare forms are in
            # the tables, a half-marked one is not. Match it on the folded text, then keep it
            # only if its marks are a subset of a real form's, so "hả nội" is not "Hà Nội".
            folded = fold(low)  # same length as `low`: offsets carry over
            for entity, rx, by_fold in self._folded_res:
                for m in rx.finditer(folded):
                    surface = low[m.start() : m.end()]
                    if not has_diacritics(surface):
                        # A bare surface is matched by the tables' own bare forms, which leave
                        # out the ones that are ordinary words ("lao" động, "nghe an" toàn).
                        continue
                    form = next(
                        (f for f in by_fold[m.group(0)] if accents_subset(surface, f)), None
                    )
                    if form is not None and not self._is_word(entity, low, m.start(), m.end()):
                        s, e = norm.span(m.start(), m.end())
                        found.append(Match(entity, self.value_of(entity, form), s, e))
        for entity, rx in self._regexes:
            for m in rx.finditer(low):
                if m.end() <= m.start():
                    continue
                s, e = norm.span(m.start(), m.end())
                found.append(Match(entity, self.value_of(entity, m.group(0)), s, e))
        if self.gazetteer is not None:
            found += self._places(low, norm, found)
        return resolve_overlaps(found)

    def place_choices(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Place names in `text` that lie in several provinces the text does not settle.

        Each as (the name as typed, its provinces, districts' first): what to ask about.
        """
        if self.gazetteer is None:
            return []
        norm = for_matching(text)
        low = norm.text
        named = {m.value for m in self.matches(text) if m.entity == "province"}
        out: list[tuple[str, tuple[str, ...]]] = []
        for pm in self.gazetteer.find(low):
            if not pm.evidence or len(pm.provinces) < 2 or pm.provinces & named:
                continue
            # "Châu Thành" the district is what people mean far more often than a commune of
            # the same name: offer the district provinces when there are any.
            districts = {p.province for p in pm.places if p.kind == DISTRICT}
            choices = tuple(sorted(districts or pm.provinces))
            s, e = norm.span(pm.start, pm.end)
            out.append((text[s:e], choices))
        return out

    @staticmethod
    def _is_word(entity: str, low: str, lo: int, hi: int) -> bool:
        """True for a province name used as an ordinary word ("hòa bình cho thế giới")."""
        if entity != "province":
            return False
        key = fold(low[lo:hi])
        if key not in _ORDINARY_PROVINCE_WORDS:
            return False
        after = _NOT_AFTER.get(key)
        if after is not None and after.match(low[hi:]):
            return True
        return not placed(low, lo, hi)

    @staticmethod
    def _overrides(surface: str, pm: PlaceMatch, clash: list[Match], s: int, e: int) -> bool:
        """Whether a bare place name wins over the table matches it overlaps.

        It must contain them. A province inside it is less precise ("Đức Huệ" is not Huế); a
        country form inside it yields only when the name is typed as the name is written
        ("ở Cam Ranh", "ở Cam Lâm"), so "sang cam lam viec" stays a job in Cambodia.
        """
        if not all(s <= m.start and m.end <= e and (m.start, m.end) != (s, e) for m in clash):
            return False
        if all(m.entity == "province" for m in clash):
            return True
        marked = has_diacritics(surface)
        return any(marked or not has_diacritics(p.name) for p in pm.places)

    def _places(self, low: str, norm: Any, found: list[Match]) -> list[Match]:
        """Districts, wards and border gates named in `low`, as province matches."""
        assert self.gazetteer is not None
        out: list[Match] = []
        provinces = [m for m in found if m.entity == "province"]
        for pm in self.gazetteer.find(low):
            s, e = norm.span(pm.start, pm.end)
            clash = [m for m in found if m.start < e and s < m.end]
            if (
                clash
                and not pm.prefixed
                and not self._overrides(low[pm.start : pm.end], pm, clash, s, e)
            ):
                continue
            # Context: the provinces named elsewhere in the text, not by these same words.
            context = {m.value for m in provinces if m.end <= s or m.start >= e}
            value = _place_value(pm, context)
            if value is not None:
                out.append(Match("province", value, s, e))
        return out


def _group(entity: str) -> str:
    """Overlap group: a tactic phrase may contain a place ("lấy chồng Đài Loan"), others not."""
    return "tactic" if entity == "tactic" else "other"


def resolve_overlaps(found: list[Match]) -> list[Match]:
    """Keep the longest of overlapping matches within a group; drop exact duplicates."""
    chosen: list[Match] = []
    for m in sorted(found, key=lambda x: (-(x.end - x.start), x.start, x.entity)):
        clash = any(
            _group(c.entity) == _group(m.entity) and c.start < m.end and m.start < c.end
            for c in chosen
        )
        if not clash:
            chosen.append(m)
    return sorted(chosen, key=lambda x: (x.start, x.entity))


def clean_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonicalise foreign (e.g. Rasa) entity dicts: values, tip codes, duplicates, overlaps.

    DIET sometimes tags a partial span ("viec luong cao"); a value that is not one of the
    entity's canonical values is useless to the app, so it is dropped.
    """
    extractor = default_extractor()
    matches: list[Match] = []
    extra: dict[tuple[str, int, int], dict[str, Any]] = {}
    for ent in entities:
        try:
            name = str(ent["entity"])
            start, end = int(ent.get("start", 0)), int(ent.get("end", 0))
        except (KeyError, TypeError, ValueError):
            continue
        value = str(ent.get("value", ""))
        if name == "tip_code":
            value = canonical_tip_code(value)
        elif name in ("province", "country", "platform", "tactic"):
            value = extractor.value_of(name, value)
        if not extractor.is_canonical(name, value):
            continue
        m = Match(name, value, start, end)
        matches.append(m)
        extra.setdefault((name, start, end), ent)
    out: list[dict[str, Any]] = []
    for m in resolve_overlaps(matches):
        d = m.as_dict()
        d["extractor"] = extra[(m.entity, m.start, m.end)].get("extractor", d["extractor"])
        out.append(d)
    return out


def annotate(text: str) -> str:
    """The text with its entities in Rasa inline syntax, for adding training examples."""
    out: list[str] = []
    pos = 0
    for ent in extract(text):
        surface = text[ent["start"] : ent["end"]]
        out.append(text[pos : ent["start"]])
        if surface == ent["value"]:
            out.append(f"[{surface}]({ent['entity']})")
        else:
            meta = json.dumps({"entity": ent["entity"], "value": ent["value"]}, ensure_ascii=False)
            out.append(f"[{surface}]{meta}")
        pos = ent["end"]
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=1)
def default_extractor() -> EntityExtractor:
    """The extractor over the package's own `nlu/data` (cached: compiling takes ~50 ms)."""
    return EntityExtractor(DATA_DIR, default_gazetteer())


def extract(text: str) -> list[dict[str, Any]]:
    """Entities of `text` with the default tables."""
    return default_extractor().extract(text)


def place_choices(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Place names in `text` found in several provinces, with those provinces."""
    return default_extractor().place_choices(text)


__all__ = [
    "ABROAD_FILE",
    "DATA_DIR",
    "ENTITY_TYPES",
    "TACTICS",
    "TIP_CODE_RE",
    "EntityExtractor",
    "Match",
    "Tables",
    "add_places_abroad",
    "annotate",
    "canonical_tip_code",
    "clean_entities",
    "default_extractor",
    "extract",
    "has_diacritics",
    "load_tables",
    "place_choices",
    "resolve_overlaps",
]
