"""Parse the content/ files: awareness pieces (front matter + parts), quiz banks, red flags, FAQ."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from hotline.content.models import ItemKind

PART_SEPARATOR = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.MULTILINE)
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
REQUIRED_FIELDS = (
    "id",
    "lang",
    "title",
    "topic",
    "audience",
    "keywords",
    "sources",
    "last_reviewed",
)
PIECE_LANGS = ("vi", "en")


class ContentError(ValueError):
    """A content file cannot be parsed."""


@dataclass
class PieceRecord:
    """One awareness piece in one language, as read from its file."""

    piece_id: str
    lang: str
    title: str
    topic: str
    tactic: str | None
    audience: list[str]
    countries: list[str]
    keywords: list[str]
    related: list[str]
    sources: list[str]
    last_reviewed: date | None
    parts: list[str]
    path: str = ""
    missing: list[str] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        """JSON-able content (what a version stores and the hash covers)."""
        data = asdict(self)
        data.pop("path")
        data.pop("missing")
        data["last_reviewed"] = self.last_reviewed.isoformat() if self.last_reviewed else None
        return data

    def content_hash(self) -> str:
        """Stable hash of the content, to detect file changes."""
        return content_hash(self.snapshot())


@dataclass
class ItemRecord:
    """A language-agnostic item (quiz question, red flag, ...) as read from its file."""

    kind: str
    item_id: str
    group: str | None
    position: int
    data: dict[str, Any]
    path: str = ""

    def content_hash(self) -> str:
        """Stable hash of the content, to detect file changes."""
        return content_hash(self.data)


@dataclass
class LibraryFiles:
    """Everything parsed from a content directory, plus parse problems."""

    pieces: list[PieceRecord] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def content_hash(data: Any) -> str:
    """sha256 of canonical JSON."""
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_piece(text: str, path: str = "") -> PieceRecord:
    """Parse one piece file: YAML front matter, then parts separated by `<!-- more -->`."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    m = FRONT_MATTER.match(text)
    if m is None:
        raise ContentError(f"{path}: thiếu front matter / no front matter")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: front matter is not a mapping")
    parts = [p.strip() for p in PART_SEPARATOR.split(m.group(2)) if p.strip()]
    missing = [f for f in REQUIRED_FIELDS if meta.get(f) in (None, "", [])]
    tactic = meta.get("tactic")
    return PieceRecord(
        piece_id=str(meta.get("id", "")),
        lang=str(meta.get("lang", "")),
        title=str(meta.get("title", "")),
        topic=str(meta.get("topic", "")),
        tactic=str(tactic) if tactic else None,
        audience=_as_list(meta.get("audience")),
        countries=_as_list(meta.get("countries")),
        keywords=_as_list(meta.get("keywords")),
        related=_as_list(meta.get("related")),
        sources=_as_list(meta.get("sources")),
        last_reviewed=_as_date(meta.get("last_reviewed")),
        parts=parts,
        path=path,
        missing=missing,
    )


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))


def parse_quiz_file(path: Path) -> list[ItemRecord]:
    """A quiz bank: one topic item and one item per question (the topic is the group)."""
    data = _load_yaml(path) or {}
    topic = str(data.get("topic") or path.stem)
    rel = f"quizzes/{path.name}"
    items = [
        ItemRecord(
            ItemKind.QUIZ_TOPIC,
            topic,
            None,
            0,
            {"topic": topic, "title": data.get("title") or {}},
            rel,
        )
    ]
    for pos, q in enumerate(data.get("questions") or []):
        q = dict(q)
        q["topic"] = topic
        items.append(ItemRecord(ItemKind.QUIZ_QUESTION, str(q.get("id")), topic, pos, q, rel))
    return items


def parse_red_flags(path: Path) -> list[ItemRecord]:
    """The offer-check file: one config item, one item per question and per flag."""
    data = _load_yaml(path) or {}
    rel = f"offers/{path.name}"
    config = {
        "thresholds": data.get("thresholds") or {},
        "offer_types": data.get("offer_types") or [],
        "destinations": data.get("destinations") or {},
        "sources": data.get("sources") or [],
    }
    items = [ItemRecord(ItemKind.OFFER_CONFIG, "offer_check", None, 0, config, rel)]
    for pos, q in enumerate(data.get("questions") or []):
        items.append(ItemRecord(ItemKind.OFFER_QUESTION, str(q.get("id")), None, pos, dict(q), rel))
    for pos, f in enumerate(data.get("flags") or []):
        items.append(ItemRecord(ItemKind.RED_FLAG, str(f.get("id")), None, pos, dict(f), rel))
    return items


def parse_faq_file(path: Path) -> list[ItemRecord]:
    """A FAQ file: one item per entry; the file's topic is the group unless the entry has one."""
    data = _load_yaml(path) or {}
    topic = str(data.get("topic") or path.stem)
    rel = f"faq/{path.name}"
    items = []
    for pos, entry in enumerate(data.get("entries") or []):
        entry = dict(entry)
        entry["topic"] = str(entry.get("topic") or topic)
        items.append(
            ItemRecord(ItemKind.FAQ, str(entry.get("id")), entry["topic"], pos, entry, rel)
        )
    return items


def load_files(root: Path) -> LibraryFiles:
    """Read every piece, quiz bank, FAQ file and the red flags under `root` (content/)."""
    lib = LibraryFiles()
    for lang in PIECE_LANGS:
        for path in sorted((root / lang).glob("*.md")):
            rel = f"{lang}/{path.name}"
            try:
                lib.pieces.append(parse_piece(path.read_text(encoding="utf-8"), rel))
            except (ContentError, UnicodeDecodeError) as exc:
                lib.problems.append(str(exc))
    for path in sorted((root / "quizzes").glob("*.yml")):
        try:
            lib.items += parse_quiz_file(path)
        except (yaml.YAMLError, AttributeError, TypeError) as exc:
            lib.problems.append(f"quizzes/{path.name}: {exc}")
    flags = root / "offers" / "red_flags.yml"
    if flags.exists():
        try:
            lib.items += parse_red_flags(flags)
        except (yaml.YAMLError, AttributeError, TypeError) as exc:
            lib.problems.append(f"offers/red_flags.yml: {exc}")
    for path in sorted((root / "faq").glob("*.yml")):
        try:
            lib.items += parse_faq_file(path)
        except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
            lib.problems.append(f"faq/{path.name}: {exc}")
    return lib
