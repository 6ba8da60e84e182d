"""The contacts directory (content/contacts.yml): who to call from where, each number sourced.

Missions abroad (embassies, consulates, the Taipei office) and the national numbers, each with
the page it was checked against and the date. The number lint (`hotline.content.lint`) allows
exactly the numbers listed here, so a communicator adds a verified number by editing the file.

Loaded from the file once per process and per file version (`directory_at`, an lru_cache keyed
by path and modification time): the directory is small, changes rarely and is not edited in the
console, so it needs neither the database nor the revision-stamped library cache.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from hotline.kit.yamlio import load_yaml
from nlu.normalize import fold_key

FILE_NAME = "contacts.yml"
HOME = "Việt Nam"
KINDS = ("embassy", "consulate", "office", "hotline", "email", "channel")
MISSION_KINDS = ("embassy", "office", "consulate")
LANGS = ("vi", "en")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class ContactsError(ValueError):
    """contacts.yml cannot be read."""


def normalise_number(number: str) -> str:
    """One spelling per number: `+` and digits for full numbers, digits for short codes."""
    digits = re.sub(r"\D", "", number)
    text = number.strip().lstrip("(")
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00") and len(digits) > 6:
        return "+" + digits[2:]
    if digits.startswith("0") and len(digits) >= 9:
        return "+84" + digits[1:]
    return digits


@dataclass(frozen=True)
class Contact:
    """One way to reach help: a mission, a hotline, an e-mail or a non-voice channel."""

    contact_id: str
    kind: str
    country: str
    city: str
    name: dict[str, str]
    purpose: dict[str, str]
    phones: tuple[str, ...]
    email: str | None
    links: tuple[str, ...]
    abroad: bool
    source: str
    verified: date | None
    note: str = ""
    flag: str = "📍"

    @property
    def reachable(self) -> bool:
        """True when the entry gives a way to reach someone (not a mission without a number)."""
        return bool(self.phones or self.email or self.links)

    def text(self, field_: dict[str, str], lang: str) -> str:
        """A vi/en field in the language, Vietnamese when the language is missing."""
        return field_.get(lang) or field_.get("vi") or ""


@dataclass(frozen=True)
class Directory:
    """Every contact, in file order, plus the country table (English name and flag)."""

    contacts: tuple[Contact, ...]
    countries: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def by_id(self, contact_id: str) -> Contact | None:
        """The contact with this id."""
        return next((c for c in self.contacts if c.contact_id == contact_id), None)

    def national(self) -> list[Contact]:
        """Viet Nam's own numbers and channels: domestic ones first, then those for abroad."""
        home = [c for c in self.contacts if c.country == HOME]
        return [c for c in home if not c.abroad] + [c for c in home if c.abroad]

    def citizen_protection(self) -> list[Contact]:
        """What works from any country: the ministry's citizen-protection hotlines and e-mail."""
        return [c for c in self.contacts if c.country == HOME and c.abroad]

    def missions(self, country: str) -> list[Contact]:
        """Viet Nam's missions in a country: embassy (or office) first, then consulates."""
        found = [c for c in self.contacts if c.country == country and c.kind in MISSION_KINDS]
        return sorted(found, key=lambda c: MISSION_KINDS.index(c.kind))

    def for_country(self, country: str | None) -> list[Contact]:
        """Where the person is: that country's missions, then the citizen-protection hotlines.

        In Viet Nam (or with no country) the national numbers; in a country without a listed
        mission, the citizen-protection hotlines alone, never the domestic short codes.
        """
        if not country or fold_key(country) == fold_key(HOME):
            return self.national()
        canonical = self.canonical_country(country) or country
        return self.missions(canonical) + self.citizen_protection()

    def canonical_country(self, name: str) -> str | None:
        """The directory's spelling of a country name (any case or diacritics), else None."""
        folded = fold_key(name)
        for country in self.countries:
            if folded in {fold_key(country), fold_key(self.countries[country].get("en", ""))}:
                return country
        return None

    def due_for_review(self, today: date, max_age_days: int = 365) -> list[Contact]:
        """Entries to re-check: verified longer ago than `max_age_days`, or with no way to reach."""
        return [
            c
            for c in self.contacts
            if not c.reachable or c.verified is None or (today - c.verified).days > max_age_days
        ]

    def allowed_numbers(self) -> set[str]:
        """Every listed number, normalised (what the number lint accepts)."""
        return {normalise_number(p) for c in self.contacts for p in c.phones}

    def allowed_emails(self) -> set[str]:
        """Every listed e-mail address, lowercase."""
        return {c.email.lower() for c in self.contacts if c.email}


def _langs(node: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(node, dict) or any(not str(node.get(lang) or "").strip() for lang in LANGS):
        problems.append(f"{where}: cần cả vi và en / needs vi and en")
        return {}
    return {lang: unicodedata.normalize("NFC", str(node[lang]).strip()) for lang in LANGS}


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _contact(
    entry: dict[str, Any], countries: dict[str, dict[str, str]], problems: list[str]
) -> Contact | None:
    cid = str(entry.get("id") or "").strip()
    where = f"{FILE_NAME} {cid or '?'}"
    if not cid:
        problems.append(f"{where}: thiếu id / missing id")
        return None
    kind = str(entry.get("kind") or "")
    if kind not in KINDS:
        problems.append(f"{where}: kind {kind!r} không hợp lệ / must be one of {', '.join(KINDS)}")
    country = unicodedata.normalize("NFC", str(entry.get("country") or ""))
    if country not in countries:
        problems.append(f"{where}: country {country!r} không có trong bảng / not in countries")
    phones = tuple(str(p) for p in entry.get("phones") or ())
    for p in phones:
        if not str(p).strip().startswith("+") and not re.fullmatch(r"1\d{2,3}", p.strip()):
            problems.append(f"{where}: số {p!r} cần dạng quốc tế +.. / needs international format")
    email = str(entry["email"]).strip() if entry.get("email") else None
    if email and not _EMAIL.match(email):
        problems.append(f"{where}: e-mail {email!r} không hợp lệ / invalid")
    source = str(entry.get("source") or "").strip()
    if not source.startswith(("https://", "http://")):
        problems.append(f"{where}: thiếu nguồn (URL) / missing source URL")
    verified = _date(entry.get("verified"))
    if verified is None:
        problems.append(f"{where}: thiếu ngày kiểm chứng / missing verified date (YYYY-MM-DD)")
    return Contact(
        contact_id=cid,
        kind=kind,
        country=country,
        city=str(entry.get("city") or ""),
        name=_langs(entry.get("name"), where + " name", problems),
        purpose=_langs(entry.get("purpose"), where + " purpose", problems),
        phones=phones,
        email=email,
        links=tuple(str(u) for u in entry.get("links") or ()),
        abroad=bool(entry.get("abroad")),
        source=source,
        verified=verified,
        note=str(entry.get("note") or ""),
        flag=countries.get(country, {}).get("flag") or "📍",
    )


def parse_directory(data: Any) -> Directory:
    """Build the directory from the parsed YAML document; problems are collected, not raised."""
    if not isinstance(data, dict):
        return Directory((), {}, (f"{FILE_NAME}: không phải một bảng YAML / not a mapping",))
    problems: list[str] = []
    countries = {
        unicodedata.normalize("NFC", str(k)): {str(a): str(b) for a, b in (v or {}).items()}
        for k, v in (data.get("countries") or {}).items()
    }
    contacts: list[Contact] = []
    seen: set[str] = set()
    for entry in data.get("contacts") or ():
        contact = _contact(entry if isinstance(entry, dict) else {}, countries, problems)
        if contact is None:
            continue
        if contact.contact_id in seen:
            problems.append(f"{FILE_NAME} {contact.contact_id}: id trùng / duplicate id")
        seen.add(contact.contact_id)
        contacts.append(contact)
    return Directory(tuple(contacts), countries, tuple(problems))


def read_directory(path: Path) -> Directory:
    """Parse one contacts file (a missing file is an empty directory with one problem)."""
    if not path.is_file():
        return Directory((), {}, (f"{FILE_NAME}: không tìm thấy / missing ({path})",))
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except Exception as exc:
        return Directory((), {}, (f"{FILE_NAME}: YAML lỗi / invalid YAML: {exc}",))
    return parse_directory(data)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Directory:
    return read_directory(Path(path))


def directory_at(content_dir: Path) -> Directory:
    """The directory of a content folder, parsed once per process and per file version."""
    path = content_dir / FILE_NAME
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1
    return _cached(str(path.resolve()), mtime)


def format_contacts(contacts: list[Contact], lang: str) -> str:
    """Short chat lines, one per reachable contact: flag, name (purpose): numbers / e-mail."""
    lines: list[str] = []
    for c in contacts:
        if not c.reachable:
            continue  # a mission without a sourced number: the hotlines after it cover it
        reach = ", ".join([*c.phones, *([c.email] if c.email else []), *c.links])
        lines.append(f"{c.flag} {c.text(c.name, lang)} ({c.text(c.purpose, lang)}): {reach}")
    return "\n".join(lines)
