"""Report deadlines per province (content/report_deadlines.yml): which report, period, due date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from hotline.reports.service import Period, parse_period

FILE = "report_deadlines.yml"
_DAY = re.compile(r"(\d{1,2})/(\d{1,2})([+-]\d)?")


@dataclass(frozen=True)
class Deadline:
    """One report: its name, the period it covers and the day it is due."""

    name_vi: str
    name_en: str
    period: Period
    due: date


def _day(text: str, year: int) -> date:
    """ "15/05" in `year`; "16/11-1" is 16/11 of the year before."""
    m = _DAY.fullmatch(str(text).strip())
    if not m:
        raise ValueError(f"ngày không hợp lệ / invalid day: {text} (dd/mm, dd/mm-1, dd/mm+1)")
    return date(year + int(m.group(3) or 0), int(m.group(2)), int(m.group(1)))


def _entry(e: dict[str, Any], year: int) -> Deadline:
    if "period" in e:
        kind = str(e["period"])
        period = parse_period(str(year) if kind == "year" else f"{year}-{kind}")
    else:
        start, last = _day(e["from"], year), _day(e["to"], year)
        label = f"{start:%d/%m/%Y}–{last:%d/%m/%Y}"
        period = Period(label, start, last + timedelta(days=1))
    return Deadline(
        str(e["name_vi"]), str(e.get("name_en") or e["name_vi"]), period, _day(e["due"], year)
    )


def load(content_dir: Path) -> dict[str, Any]:
    """The parsed file ({} when absent)."""
    path = content_dir / FILE
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def deadlines(content_dir: Path, province: str | None, year: int) -> list[Deadline]:
    """A province's reports of one year (the default schedule if it has none of its own)."""
    data = load(content_dir)
    entries = (data.get("provinces") or {}).get(province or "") or data.get("default") or []
    return sorted((_entry(e, year) for e in entries), key=lambda d: d.due)


def upcoming(content_dir: Path, province: str | None, today: date, n: int = 2) -> list[Deadline]:
    """The next `n` reports due on or after today."""
    found = [
        d
        for year in (today.year - 1, today.year, today.year + 1)
        for d in deadlines(content_dir, province, year)
        if d.due >= today
    ]
    return sorted(found, key=lambda d: d.due)[:n]
