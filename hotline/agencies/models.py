"""Agencies and the on/off state of routing rules (both editable in the console)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class AgencyKind(StrEnum):
    """What an agency is (routing rules name kinds)."""

    hotline = "hotline"
    desk = "desk"
    police = "police"
    border_guard = "border_guard"
    social_services = "social_services"


class NotifyChannel(StrEnum):
    """How an agency is told that a tip was routed to it."""

    telegram = "telegram"
    email = "email"
    webhook = "webhook"


class Agency(Base):
    """A receiving agency; `notify` is a list of {channel, chat_id|address|url}."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    province: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    notify: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RoutingRuleState(Base):
    """A routing rule switched off in the console (rules themselves stay in routing.yml)."""

    __tablename__ = "routing_rule_states"

    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
