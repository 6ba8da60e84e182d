"""Content lint (`canhgiac content check`): what a communicator's edit must not break."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

from hotline.content.contacts import directory_at, normalise_number
from hotline.content.loader import PIECE_LANGS, LibraryFiles, load_files
from hotline.content.models import ItemKind
from hotline.kit.i18n import Catalog

MAX_PART = 700
MIN_QUIZ_QUESTIONS = 25
# A FAQ answer is one chat bubble: the fact and at most a few sentences.
MAX_FAQ_ANSWER = 500
# Digit groups joined by one space, dot or hyphen (a sentence's ". " ends the number).
_INTERNATIONAL = re.compile(r"\+\d+\)?(?:[ .-]?\(?\d+\)?)*")
_NATIONAL = re.compile(r"(?<![\d/.,])(?:0|1800|1900)\d(?:[ .-]?\d){6,9}(?![\d/])")
_SHORT = re.compile(
    r"\b(?:gọi|goi|call|dial|bấm|hotline|tổng đài|tong dai|đường dây)\b"
    r"[^\d\n]{0,15}?(?<![\d.,/])\b(1\d{2,3})\b(?![\d%]|[.,/]\d)",
    re.IGNORECASE,
)


def phone_numbers(text: str) -> list[str]:
    """Phone-number-like strings in a text (international, national, and called short codes)."""
    found = [
        m.group(0) for m in _INTERNATIONAL.finditer(text) if len(re.sub(r"\D", "", m.group(0))) >= 7
    ]
    found += [m.group(0) for m in _NATIONAL.finditer(text)]
    found += [m.group(1) for m in _SHORT.finditer(text)]
    return found


def allowed_numbers(content_dir: Path | None = None) -> frozenset[str]:
    """The numbers content may give: those of the contacts directory (content/contacts.yml).

    Without a folder, the configured content folder's directory (the console's checks).
    """
    if content_dir is None:
        from hotline.config import get_settings  # late: lint itself needs no settings

        content_dir = get_settings().content_dir
    return frozenset(directory_at(content_dir).allowed_numbers())


def unknown_numbers(text: str, allowed: Collection[str] | None = None) -> list[str]:
    """Numbers in the text that are not in the contacts directory (or in `allowed`)."""
    known = allowed_numbers() if allowed is None else allowed
    return [n for n in phone_numbers(text) if normalise_number(n) not in known]


def _strings_of(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings_of(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings_of(v)]
    return []


def _languages(node: Any, where: str, problems: list[str]) -> None:
    if not isinstance(node, dict) or any(
        not str(node.get(lang) or "").strip() for lang in PIECE_LANGS
    ):
        problems.append(f"{where}: cần cả vi và en / needs vi and en")


def lint_pieces(files: LibraryFiles) -> list[str]:
    """Front matter, both languages, part sizes, related links."""
    problems: list[str] = []
    ids_by_lang: dict[str, set[str]] = {lang: set() for lang in PIECE_LANGS}
    for p in files.pieces:
        where = p.path
        if p.missing:
            problems.append(f"{where}: front matter thiếu / missing {', '.join(p.missing)}")
        expected_lang, _, name = p.path.partition("/")
        if p.lang != expected_lang:
            problems.append(f"{where}: lang {p.lang!r} không khớp thư mục / does not match folder")
        if name and p.piece_id != name.removesuffix(".md"):
            problems.append(f"{where}: id {p.piece_id!r} khác tên tệp / differs from file name")
        if not p.parts:
            problems.append(f"{where}: không có nội dung / empty body")
        for i, part in enumerate(p.parts, 1):
            if len(part) > MAX_PART:
                problems.append(f"{where}: phần {i} dài {len(part)} > {MAX_PART} ký tự / chars")
        ids_by_lang.setdefault(p.lang, set()).add(p.piece_id)
    all_ids = set().union(*ids_by_lang.values())
    for lang in PIECE_LANGS:
        for missing in sorted(all_ids - ids_by_lang[lang]):
            problems.append(f"{lang}/{missing}.md: thiếu bản {lang} / missing translation")
    for p in files.pieces:
        for rel in p.related:
            if rel not in all_ids:
                problems.append(f"{p.path}: related {rel!r} không tồn tại / broken link")
    return problems


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def lint_red_flag(flag_id: str, d: dict[str, Any], where: str, flag_ids: set[str]) -> list[str]:
    """The offer-check fields of one red flag: critical, min_level, keywords, all_of."""
    problems: list[str] = []
    if "critical" in d and not isinstance(d["critical"], bool):
        problems.append(f"{where}: critical phải là true/false / must be true or false")
    if d.get("min_level") is not None and d["min_level"] not in ("low", "medium", "high"):
        problems.append(f"{where}: min_level phải là low/medium/high / must be low, medium or high")
    for key in ("keywords", "not_part_of"):
        if key in d and not _strings(d[key]):
            problems.append(f"{where}: {key} phải là danh sách cụm từ / must be a list of phrases")
    all_of = d.get("all_of")
    if all_of is not None:
        groups = all_of if isinstance(all_of, list) else None
        if not groups:
            problems.append(f"{where}: all_of phải là danh sách nhóm / must be a list of groups")
        for group in groups or []:
            ids = group if isinstance(group, list) else [group]
            for f in ids:
                if f == flag_id or f not in flag_ids:
                    problems.append(f"{where}: all_of {f!r} không hợp lệ / unknown flag")
    if d.get("critical") is True and not (d.get("keywords") or all_of):
        problems.append(f"{where}: critical cần keywords hoặc all_of / needs keywords or all_of")
    return problems


def lint_items(files: LibraryFiles, piece_ids: set[str]) -> list[str]:
    """Quiz banks and red flags: languages, answers, references."""
    problems: list[str] = []
    kinds = Counter(i.kind for i in files.items)
    ids = Counter((i.kind, i.item_id) for i in files.items)
    for (kind, item_id), n in ids.items():
        if n > 1:
            problems.append(f"{kind} {item_id}: id trùng / duplicate id")
    if kinds[ItemKind.QUIZ_QUESTION] < MIN_QUIZ_QUESTIONS:
        problems.append(f"quizzes: chỉ có {kinds[ItemKind.QUIZ_QUESTION]} câu / too few questions")
    flag_ids = {i.item_id for i in files.items if i.kind == ItemKind.RED_FLAG}
    question_ids = {i.item_id for i in files.items if i.kind == ItemKind.OFFER_QUESTION}
    for item in files.items:
        d, where = item.data, f"{item.path} {item.item_id}"
        if item.kind == ItemKind.QUIZ_TOPIC:
            _languages(d.get("title"), where + " title", problems)
        elif item.kind == ItemKind.QUIZ_QUESTION:
            _languages(d.get("question"), where + " question", problems)
            _languages(d.get("explanation"), where + " explanation", problems)
            choices = d.get("choices") or []
            for c in choices:
                _languages(c, where + " choice", problems)
            answer = d.get("answer")
            if not isinstance(answer, int) or not 0 <= answer < len(choices):
                problems.append(f"{where}: answer ngoài phạm vi / out of range")
        elif item.kind == ItemKind.OFFER_QUESTION:
            _languages(d.get("ask"), where + " ask", problems)
            if "check" in d:
                _languages(d.get("check"), where + " check", problems)
            for o in d.get("options") or []:
                _languages(o, f"{where} option {o.get('id')}", problems)
                for f in o.get("flags") or []:
                    if f not in flag_ids:
                        problems.append(f"{where}: flag {f!r} không tồn tại / unknown flag")
        elif item.kind == ItemKind.RED_FLAG:
            _languages(d.get("title"), where + " title", problems)
            _languages(d.get("explain"), where + " explain", problems)
            if not isinstance(d.get("weight"), int):
                problems.append(f"{where}: weight phải là số nguyên / must be an integer")
            for q in d.get("asked_in") or []:
                if q not in question_ids:
                    problems.append(f"{where}: asked_in {q!r} không tồn tại / unknown question")
            problems += lint_red_flag(item.item_id, d, where, flag_ids)
        elif item.kind == ItemKind.OFFER_CONFIG:
            for country, f in (d.get("destinations") or {}).items():
                if f not in flag_ids:
                    problems.append(f"{where}: destination {country} -> unknown flag {f!r}")
            th = d.get("thresholds") or {}
            if not (isinstance(th.get("medium"), int) and isinstance(th.get("high"), int)):
                problems.append(f"{where}: thresholds medium/high cần số / must be integers")
        for rel in d.get("related") or []:
            if rel not in piece_ids:
                problems.append(f"{where}: related {rel!r} không tồn tại / broken link")
    return problems


def lint_numbers(
    files: LibraryFiles, catalog: Catalog | None, allowed: Collection[str] | None = None
) -> list[str]:
    """Every phone number in pieces, items and strings must be in the contacts directory."""
    known = allowed_numbers() if allowed is None else allowed
    problems: list[str] = []
    hint = "không có trong contacts.yml / not in contacts.yml"
    for p in files.pieces:
        for n in unknown_numbers("\n".join([p.title, *p.parts]), known):
            problems.append(f"{p.path}: số điện thoại lạ / unknown number {n!r} ({hint})")
    for item in files.items:
        for text in _strings_of(item.data):
            for n in unknown_numbers(text, known):
                problems.append(f"{item.path} {item.item_id}: unknown number {n!r} ({hint})")
    if catalog is not None:
        for lang in catalog.languages:
            for key in sorted(catalog.keys(lang)):
                for n in unknown_numbers(catalog.t(lang, key), known):
                    problems.append(f"strings/{lang} {key}: unknown number {n!r} ({hint})")
    return problems


# A source names its date: dd/mm/yyyy, mm/yyyy or at least the year.
_SOURCE_DATE = re.compile(r"\b(?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4}|(?:19|20)\d{2})\b")
# A figure: a number (or range) with what it counts. Figures inside “…” quote what a
# recruiter or a caller says (a lure, not a fact) and need no source.
_FIGURE = re.compile(
    r"(?<![\w/.,+])(\d{1,3}(?:[.,]\d{3})*(?:[.,]\d+)?)(?:[ ]?[–-][ ]?(\d[\d.,]*))?[  ]?"
    r"(%|USD|triệu|tỉ|tỷ|million|billion|vụ|người|nạn nhân|đối tượng|trẻ|công dân|cases|"
    r"people|victims|suspects|citizens|newborns|babies)(?!\w)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“[^”]*”")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _uncited_figures(texts: list[str], sources: list[str]) -> list[str]:
    """Figures in the texts whose numbers appear in none of the (dated) sources."""
    dated = [s for s in sources if _SOURCE_DATE.search(s)]
    cited = {_digits(n) for s in dated for n in re.findall(r"\d[\d.,]*\d|\d", s)}
    found: list[str] = []
    for text in texts:
        for m in _FIGURE.finditer(_QUOTED.sub("", text)):
            numbers = [n for n in m.group(1, 2) if n]
            if any(_digits(n).rstrip("0") and _digits(n) not in cited for n in numbers):
                found.append(m.group(0))
    return found


def lint_sources(files: LibraryFiles) -> list[str]:
    """Every source of a piece has a date; every figure in a piece or item is in its sources.

    Items (quiz questions, red flags, FAQ entries) carry their own `sources` list; a figure
    they state must be found in one of those that has a date.
    """
    problems: list[str] = []
    hint = "con số không có nguồn có ngày / figure without a dated source"
    for p in files.pieces:
        for source in p.sources:
            if not _SOURCE_DATE.search(source):
                problems.append(f"{p.path}: nguồn thiếu ngày / source without a date: {source!r}")
        for fig in _uncited_figures(["\n".join([p.title, *p.parts])], p.sources):
            problems.append(f"{p.path}: {hint}: {fig!r}")
    for item in files.items:
        said = [text for lang in PIECE_LANGS for text in _said(item.data, lang)]
        sources = [str(s) for s in item.data.get("sources") or []]
        for fig in _uncited_figures(said, sources):
            problems.append(f"{item.path} {item.item_id}: {hint}: {fig!r}")
    return problems


# Wording rules (docs/communicators.md, "Sources, review dates and wording"): one spelling,
# one name for the receipt code, and "đường dây nóng" always says whose line it is (this
# service's desk, never 111).
# Tone mark on the main vowel of oa/oe/uy at the end of a syllable: hóa, xóa, hủy (not hoá).
_OLD_TONE = re.compile(r"\w*(?:o[áàảãạéèẻẽẹ]|(?<![qQ])u[ýỳỷỹỵ])(?!\w)")
_WORDING = (
    (re.compile(r"mã theo dõi", re.IGNORECASE), "dùng “mã biên nhận” / say “mã biên nhận”"),
    (re.compile(r"\b(?:tracking|follow-up|tip) code\b", re.IGNORECASE), "say “receipt code”"),
    (
        re.compile(r"đường dây nóng(?! Cảnh Giác)", re.IGNORECASE),
        "“đường dây nóng Cảnh Giác” (this service) or “Tổng đài 111”",
    ),
)
# User phrasings and match lists are what people type, not what the bot says.
_USER_TEXT_KEYS = frozenset({"questions", "keywords", "not_part_of", "sources", "aliases"})


def _said(node: Any, lang: str, key: str = "") -> list[str]:
    """Texts in `lang` the bot says: the `lang` values of a tree, user phrasings skipped."""
    if key in _USER_TEXT_KEYS:
        return []
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _said(v, lang, str(k))]
    if isinstance(node, list):
        return [s for v in node for s in _said(v, lang, key)]
    return [node] if isinstance(node, str) and key == lang else []


def wording_problems(text: str, lang: str) -> list[str]:
    """Breaches of the wording rules in one text."""
    found: list[str] = []
    if lang == "vi":
        found += [f"{m.group(0)!r}: dấu kiểu mới (hóa, xóa, hủy)" for m in _OLD_TONE.finditer(text)]
    for pattern, hint in _WORDING:
        found += [f"{m.group(0)!r}: {hint}" for m in pattern.finditer(text)]
    return found


def lint_wording(files: LibraryFiles, catalog: Catalog | None) -> list[str]:
    """One spelling rule, one receipt-code name, no ambiguous 'đường dây nóng'."""
    problems: list[str] = []
    for p in files.pieces:
        for found in wording_problems("\n".join([p.title, *p.parts]), p.lang):
            problems.append(f"{p.path}: {found}")
    for item in files.items:
        for lang in PIECE_LANGS:
            for text in _said(item.data, lang):
                for found in wording_problems(text, lang):
                    problems.append(f"{item.path} {item.item_id}: {found}")
    if catalog is not None:
        for lang in catalog.languages:
            for key in sorted(catalog.keys(lang)):
                for found in wording_problems(catalog.t(lang, key), lang):
                    problems.append(f"strings/{lang} {key}: {found}")
    return problems


def piece_parts(files: LibraryFiles) -> dict[str, int]:
    """Number of parts of each piece, the fewest across its languages."""
    parts: dict[str, int] = {}
    for p in files.pieces:
        parts[p.piece_id] = min(parts.get(p.piece_id, len(p.parts)), len(p.parts))
    return parts


def lint_faq(files: LibraryFiles, parts: dict[str, int]) -> list[str]:
    """FAQ entries: both languages, phrasings in each, a short answer, read_more into a part.

    `parts` is the number of parts of each piece (the fewest across languages); phone numbers
    in answers are checked by `lint_numbers` like every other item.
    """
    problems: list[str] = []
    for item in files.items:
        if item.kind != ItemKind.FAQ:
            continue
        d, where = item.data, f"{item.path} {item.item_id}"
        if not str(d.get("topic") or "").strip():
            problems.append(f"{where}: thiếu topic / missing topic")
        _languages(d.get("answer"), where + " answer", problems)
        for lang, text in (d.get("answer") or {}).items():
            if len(str(text)) > MAX_FAQ_ANSWER:
                problems.append(f"{where}: answer {lang} dài hơn {MAX_FAQ_ANSWER} ký tự / too long")
        questions = d.get("questions")
        for lang in PIECE_LANGS:
            qs = questions.get(lang) if isinstance(questions, dict) else None
            if not isinstance(qs, list) or not qs or not all(isinstance(q, str) for q in qs):
                problems.append(
                    f"{where}: questions {lang} cần danh sách câu hỏi / needs phrasings"
                )
        more = d.get("read_more")
        piece = more.get("piece") if isinstance(more, dict) else None
        part = more.get("part", 0) if isinstance(more, dict) else None
        if piece not in parts:
            problems.append(f"{where}: read_more piece {piece!r} không tồn tại / unknown piece")
        elif not isinstance(part, int) or not 0 <= part < parts[piece]:
            problems.append(f"{where}: read_more part {part!r} ngoài phạm vi / out of range")
    return problems


def lint_content(root: Path) -> list[str]:
    """Every content problem under `root` (content/), strings catalogue parity excluded."""
    files = load_files(root)
    catalog = Catalog.load(root) if (root / "strings").is_dir() else None
    piece_ids = {p.piece_id for p in files.pieces}
    contacts = directory_at(root)
    return [
        *files.problems,
        *lint_pieces(files),
        *lint_items(files, piece_ids),
        *lint_faq(files, piece_parts(files)),
        *contacts.problems,
        *lint_numbers(files, catalog, contacts.allowed_numbers()),
        *lint_sources(files),
        *lint_wording(files, catalog),
    ]
