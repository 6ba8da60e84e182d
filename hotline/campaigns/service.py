"""The campaigns domain in one import, kept only for two callers outside this change.

The code lives in schemas (the fields' rules), validation (limits, errors), segments (who,
SQL, outbox expansion), scheduler (when), workflow (draft -> approval -> scheduled), delivery
(the outbox and test sends) and results; the web layer and the dialogs import those modules.
Left here: bot/dialogs/engine.py (record_click) and bench/broadcast_bench.py, which others are
changing now; once they import the modules, this file goes.
"""

from __future__ import annotations

from hotline.campaigns.delivery import (
    FINAL,
    MAX_ATTEMPTS,
    TEST_CODE_MINUTES,
    Claimed,
    Outcome,
    claim,
    content_of,
    has_open_rows,
    is_link_code,
    link_test_recipient,
    new_link_code,
    queue_test,
    record,
    recover,
    sent_today,
    test_recipient,
)
from hotline.campaigns.results import (
    record_click,
    results,
)
from hotline.campaigns.scheduler import (
    finish,
    first_run,
    next_yearly,
    occurrence_of,
    run_scheduler,
)
from hotline.campaigns.segments import (
    EXPAND_CHUNK,
    audience,
    audience_count,
    expand,
    require_audience,
    segment_query,
)
from hotline.campaigns.validation import (
    BUTTON_KINDS,
    CHANNELS,
    MAX_MESSAGE,
    MAX_PAYLOAD_BYTES,
    SEGMENT_KEYS,
    TZ,
    CampaignError,
    EmptyAudience,
    NotAllowed,
    local_text,
    parse_local,
    payload_for,
)
from hotline.campaigns.workflow import (
    approve,
    cancel,
    create,
    get,
    list_all,
    many,
    submit,
    update_draft,
)

__all__ = [
    "BUTTON_KINDS",
    "CHANNELS",
    "EXPAND_CHUNK",
    "FINAL",
    "MAX_ATTEMPTS",
    "MAX_MESSAGE",
    "MAX_PAYLOAD_BYTES",
    "SEGMENT_KEYS",
    "TEST_CODE_MINUTES",
    "TZ",
    "CampaignError",
    "Claimed",
    "EmptyAudience",
    "NotAllowed",
    "Outcome",
    "approve",
    "audience",
    "audience_count",
    "cancel",
    "claim",
    "content_of",
    "create",
    "expand",
    "finish",
    "first_run",
    "get",
    "has_open_rows",
    "is_link_code",
    "link_test_recipient",
    "list_all",
    "local_text",
    "many",
    "new_link_code",
    "next_yearly",
    "occurrence_of",
    "parse_local",
    "payload_for",
    "queue_test",
    "record",
    "record_click",
    "recover",
    "require_audience",
    "results",
    "run_scheduler",
    "segment_query",
    "sent_today",
    "submit",
    "test_recipient",
    "update_draft",
]
