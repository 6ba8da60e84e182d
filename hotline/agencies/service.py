"""Agencies: import from content/agencies.yml, list, switch on/off, set notification channels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.agencies.models import Agency, AgencyKind, NotifyChannel, RoutingRuleState
from hotline.kit.errors import CodedError
from hotline.kit.netcheck import ip_of, resolves_public
from hotline.routing.engine import AgencyRef, Rule, RuleSet
from hotline.routing.provinces import ProvinceTable


class AgencyError(CodedError):
    """Invalid agency data (code in errors.agencies)."""

    domain = "agencies"


def load_yaml(path: Path) -> list[dict[str, Any]]:
    """The agency entries of content/agencies.yml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("agencies", []))


def import_agencies(session: Session, content_dir: Path) -> int:
    """Insert new agencies and refresh names; console edits (on/off, channels) are kept."""
    count = 0
    for entry in load_yaml(content_dir / "agencies.yml"):
        code = str(entry["code"])
        kind = AgencyKind(str(entry["kind"]))
        agency = session.get(Agency, code)
        if agency is None:
            agency = Agency(
                code=code,
                notify=validate_channels(entry.get("notify") or []),
                active=bool(entry.get("active", True)),
            )
            session.add(agency)
            count += 1
        elif entry.get("notify") and not agency.notify:
            agency.notify = validate_channels(entry["notify"])
        agency.name = str(entry["name"])
        agency.name_en = str(entry.get("name_en") or entry["name"])
        agency.kind = kind
        agency.province = entry.get("province")
    session.flush()
    return count


def ensure_imported(session: Session, content_dir: Path) -> None:
    """Import agencies once when the table is empty (first start, tests)."""
    if session.scalar(select(Agency.code).limit(1)) is None:
        import_agencies(session, content_dir)


#: Names that only make sense inside a network.
_INTERNAL_SUFFIXES = (".local", ".internal", ".localhost", ".lan", ".home.arpa", ".intranet")


def _check_webhook(url: str) -> None:
    """An agency webhook must be HTTPS on a public host: tip notices must not reach inside."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or not host:
        raise AgencyError("webhook_not_https")
    internal = host == "localhost" or host.endswith(_INTERNAL_SUFFIXES) or "." not in host
    if internal and ip_of(host) is None:
        raise AgencyError("webhook_internal")
    if not resolves_public(host, parts.port or 443):
        raise AgencyError("webhook_not_public")


def validate_channels(raw: list[dict[str, Any]], email_ready: bool = True) -> list[dict[str, Any]]:
    """Keep only well-formed notification channels, refusing unknown kinds.

    `email_ready` False (no SMTP server configured) refuses e-mail: its notices would
    silently never leave.
    """
    out: list[dict[str, Any]] = []
    for item in raw:
        try:
            channel = NotifyChannel(str(item.get("channel")))
        except ValueError as exc:
            raise AgencyError("invalid_channel", channel=item.get("channel")) from exc
        key = {"telegram": "chat_id", "email": "address", "webhook": "url"}[channel.value]
        value = str(item.get(key) or "").strip()
        if not value:
            raise AgencyError("missing_field", field=key, channel=channel.value)
        if channel is NotifyChannel.webhook:
            _check_webhook(value)
        if channel is NotifyChannel.email and "@" not in value:
            raise AgencyError("invalid_email")
        if channel is NotifyChannel.email and not email_ready:
            raise AgencyError("no_smtp")
        out.append({"channel": channel.value, key: value})
    return out


def list_agencies(session: Session, province: str | None = None) -> list[Agency]:
    """All agencies, national first, then by province and kind."""
    q = select(Agency)
    if province:
        q = q.where(Agency.province == province)
    rows = list(session.scalars(q))
    return sorted(rows, key=lambda a: (a.province is not None, a.province or "", a.kind, a.code))


def get(session: Session, code: str) -> Agency | None:
    """One agency by code."""
    return session.get(Agency, code)


def refs(session: Session) -> list[AgencyRef]:
    """What the routing engine needs of every agency."""
    return [
        AgencyRef(a.code, a.kind, a.province, a.active) for a in session.scalars(select(Agency))
    ]


def load_provinces(content_dir: Path) -> ProvinceTable:
    """The province table (re-read each time: it is small and editable)."""
    return ProvinceTable.load(content_dir / "provinces.yml")


def load_rules(session: Session, content_dir: Path) -> RuleSet:
    """The rules of routing.yml minus those switched off in the console."""
    rules = RuleSet.load(content_dir / "routing.yml")
    off = set(
        session.scalars(select(RoutingRuleState.rule_id).where(RoutingRuleState.enabled.is_(False)))
    )
    return replace(rules, rules=tuple(r for r in rules.rules if r.id not in off))


def all_rules(session: Session, content_dir: Path) -> list[tuple[Rule, bool]]:
    """Every rule of routing.yml with its on/off state."""
    rules = RuleSet.load(content_dir / "routing.yml")
    states = {s.rule_id: s.enabled for s in session.scalars(select(RoutingRuleState))}
    return [(r, states.get(r.id, True)) for r in rules.rules]


def set_rule_enabled(session: Session, rule_id: str, enabled: bool, actor: str) -> None:
    """Switch a routing rule on or off."""
    state = session.get(RoutingRuleState, rule_id)
    if state is None:
        state = RoutingRuleState(rule_id=rule_id)
        session.add(state)
    state.enabled = enabled
    state.updated_by = actor
    session.flush()
