"""Reading Rasa-format (YAML, version 3.1) NLU training and test data."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
TEST_FILE = Path(__file__).resolve().parent / "tests" / "test_nlu.yml"

INTENTS = (
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "menu",
    "report_tip",
    "need_rescue",
    "check_offer",
    "ask_tactics",
    "ask_victim_rights",
    "ask_law",
    "ask_hotline",
    "check_tip_status",
    "subscribe",
    "unsubscribe",
    "take_quiz",
    "change_language",
    "delete_history",
    "out_of_scope",
)

# [surface](entity) or [surface]{"entity": ..., "value": ...}; roles/groups are ignored.
_ANNOTATION = re.compile(r"\[(?P<surface>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


class DataError(ValueError):
    """Raised when a training or test file cannot be understood."""


@dataclass
class AnnotatedEntity:
    """An entity annotated in an example, with offsets in the plain text."""

    entity: str
    value: str
    start: int
    end: int


@dataclass
class Example:
    """One plain-text example with its intent and annotated entities."""

    text: str
    intent: str
    entities: list[AnnotatedEntity] = field(default_factory=list)


def parse_annotated(line: str) -> tuple[str, list[AnnotatedEntity]]:
    """Strip Rasa inline entity annotations, returning the plain text and the entities."""
    out: list[str] = []
    entities: list[AnnotatedEntity] = []
    pos = 0
    length = 0
    for m in _ANNOTATION.finditer(line):
        before = line[pos : m.start()]
        out.append(before)
        length += len(before)
        surface = m.group("surface")
        if m.group("json"):
            try:
                meta = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise DataError(f"bad entity annotation {m.group(0)!r}") from exc
            name = str(meta.get("entity", ""))
            value = str(meta.get("value", surface))
        else:
            name = str(m.group("name")).split(":")[0].strip()
            value = surface
        entities.append(AnnotatedEntity(name, value, length, length + len(surface)))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    out.append(line[pos:])
    return "".join(out), entities


def _example_lines(block: Any) -> list[str]:
    """Items of an `examples: |` block."""
    lines: list[str] = []
    for raw in str(block or "").splitlines():
        stripped = raw.strip()
        if stripped.startswith("- "):
            lines.append(stripped[2:].strip())
    return [x for x in lines if x]


def load_examples(path: Path) -> list[Example]:
    """All intent examples of a Rasa YAML file, or of every YAML file under a directory."""
    files = (
        sorted(list(path.rglob("*.yml")) + list(path.rglob("*.yaml"))) if path.is_dir() else [path]
    )
    if not files:
        raise DataError(f"no YAML files in {path}")
    examples: list[Example] = []
    for file in files:
        try:
            doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"cannot read {file}: {exc}") from exc
        if not isinstance(doc, dict):
            raise DataError(f"{file}: not a Rasa NLU file")
        for item in doc.get("nlu") or []:
            if isinstance(item, dict) and "intent" in item:
                intent = str(item["intent"])
                for line in _example_lines(item.get("examples")):
                    text, ents = parse_annotated(line)
                    examples.append(Example(text, intent, ents))
    return examples


def data_fingerprint(data_dir: Path = DATA_DIR) -> str:
    """A hash of every file under the data directory, to detect a stale trained model."""
    digest = hashlib.sha256()
    for file in sorted(data_dir.rglob("*")):
        if file.is_file():
            digest.update(file.relative_to(data_dir).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()
