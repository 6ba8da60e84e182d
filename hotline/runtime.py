"""The back office's long-lived objects, built once per process from the settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Settings
from hotline.db.session import make_engine, make_sessionmaker
from hotline.kit.crypto import Cipher, Pseudonymizer
from hotline.kit.scratch import MemoryScratch, Scratch, make_scratch
from hotline.tips.limits import TipLimits

if TYPE_CHECKING:
    from hotline.content.loader import LibraryFiles
    from hotline.content.service import ContentCache
    from hotline.routing.provinces import ProvinceTable


@dataclass
class HotlineRuntime:
    """Settings, database and keys shared by API, console, worker and bot."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    cipher: Cipher
    pseudonyms: Pseudonymizer
    secret_key: bytes
    # Off-database values with a time to live (an open follow-up): see hotline.kit.scratch.
    scratch: Scratch = field(default_factory=MemoryScratch)
    # Tip and receipt-code abuse limits (see hotline.tips.limits).
    tip_limits: TipLimits = field(default_factory=TipLimits)
    # Outgoing pacing per channel, built by bot.channels.outbound.pacer on first use: the
    # replies and broadcasts of one runtime share a platform's limit.
    pacers: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> HotlineRuntime:
        """Build the runtime; fails with ConfigError when a key is missing."""
        secret, data = settings.require_keys()
        engine = make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessionmaker(engine),
            cipher=Cipher(data, settings.previous_data_keys),
            pseudonyms=Pseudonymizer(secret),
            secret_key=secret,
            scratch=make_scratch(settings.redis_url),
            tip_limits=TipLimits(settings.redis_url),
        )

    @functools.cached_property
    def content(self) -> ContentCache:
        """The published library of this runtime's database, reloaded after each publish."""
        # Imported here: the library pulls in the FAQ index, which the CLI and worker never need.
        from hotline.content.service import ContentCache

        return ContentCache(self.settings.content_dir)

    @functools.cached_property
    def content_files(self) -> LibraryFiles:
        """content/'s files as this runtime first read them (the campaign editor's fallback)."""
        from hotline.content.loader import load_files

        return load_files(self.settings.content_dir)

    @functools.cached_property
    def provinces(self) -> ProvinceTable:
        """content/provinces.yml as this runtime first read it (the campaign editor's list)."""
        from hotline.routing.provinces import ProvinceTable

        return ProvinceTable.load(self.settings.content_dir / "provinces.yml")

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()
