"""Abuse limits on receipt codes and tips, held by the runtime (hotline.tips.limits)."""

from __future__ import annotations

import secrets

from hotline.config import Settings
from hotline.runtime import HotlineRuntime
from hotline.tips.limits import LIMITS
from tests.tips.test_intake_dialog import full_text, say


def _guess() -> str:
    return "-".join(secrets.token_hex(2).upper() for _ in range(4))


def test_receipt_code_guessing_is_slowed_per_user(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    limited = bot_rt.catalog.t("vi", "follow_up.rate_limited")
    sid = "limits-" + secrets.token_hex(6)
    allowed, _ = LIMITS["codes_per_user"]
    for _ in range(allowed):
        assert limited not in full_text(say(client, sid, f"/theodoi {_guess()}"))
    assert limited in full_text(say(client, sid, f"/theodoi {_guess()}"))
    # Another chat is not slowed by this one's guesses.
    other = "limits-" + secrets.token_hex(6)
    assert limited not in full_text(say(client, other, f"/theodoi {_guess()}"))


def test_each_runtime_counts_for_itself(bot_rt, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    mine = bot_rt.hotline.tip_limits.limiter("tips_per_user")
    allowed, _ = LIMITS["tips_per_user"]
    assert all(mine.allow("someone") for _ in range(allowed))
    assert not mine.allow("someone")
    assert bot_rt.hotline.tip_limits.limiter("tips_per_user") is mine  # kept across messages
    fresh = HotlineRuntime.from_settings(settings)
    try:
        assert fresh.tip_limits.limiter("tips_per_user").allow("someone")
    finally:
        fresh.close()
