"""Errors with codes: a service says what it refused, the boundary says it in the user's language.

A service raises e.g. ``CampaignError("message_vi_required")``; the console words it in the
staff member's language, the REST API answers ``{"code", "params", "message"}`` and the
command line prints Vietnamese / English. The texts are in content/strings/<lang>/errors.yml
under ``errors.<domain>.<code>``.
"""

from __future__ import annotations

from typing import Any

from hotline.kit.i18n import Catalog


class CodedError(ValueError):
    """A request a service refuses: a stable code and its parameters, worded by the boundary."""

    #: The strings group of this domain's codes (errors.<domain>.<code>).
    domain = "common"

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def key(self) -> str:
        """The catalogue key of the message."""
        return f"errors.{self.domain}.{self.code}"

    def message(self, catalog: Catalog, lang: str) -> str:
        """The message in `lang` (Vietnamese when that language has none)."""
        return catalog.t(lang, self.key, **self.params)

    def both(self, catalog: Catalog) -> str:
        """Vietnamese / English, where no user language is known (the command line)."""
        return f"{self.message(catalog, 'vi')} / {self.message(catalog, 'en')}"

    def as_json(self, catalog: Catalog, lang: str) -> dict[str, Any]:
        """The REST API's error body: the code for programs, the message for people."""
        return {
            "code": f"{self.domain}.{self.code}",
            "params": {k: str(v) for k, v in self.params.items()},
            "message": self.message(catalog, lang),
        }
