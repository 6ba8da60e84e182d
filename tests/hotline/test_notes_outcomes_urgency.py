"""Notes by scope, agency status steps, agency outcomes and manual urgency (console and API)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.audit.models import AuditEvent
from hotline.casework import service as casework
from hotline.casework.models import TipCase, TipRecipient
from hotline.db.session import unit_of_work
from hotline.tips.models import Tip
from tests.hotline.factories import make_tip, make_user, sign_in


@pytest.fixture
def routed(client, hotline_rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A Lào Cai tip routed to the police and the Border Guard; an operator and two agencies."""
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        tip = make_tip(s, hotline_rt.cipher, province="Lào Cai", crosses_border=True)
        casework.route_tip(s, hotline_rt.settings, tip)
        make_user(s, "op1", "operator")
        make_user(s, "ag.police", "agency", "lao-cai-police")
        make_user(s, "ag.border", "agency", "lao-cai-border-guard")
        tip_id = tip.id
    return {"tip": tip_id, **{u: sign_in(client.app, u) for u in ("op1", "ag.police", "ag.border")}}


def _api(session: tuple[Any, str, str], method: str, url: str, **kw: Any) -> Any:
    c, _, bearer = session
    return c.request(method, url, headers={"Authorization": f"Bearer {bearer}"}, **kw)


def _notes(session: tuple[Any, str, str], tip: int) -> list[str]:
    return [n["text"] for n in _api(session, "GET", f"/api/v1/tips/{tip}").json()["notes"]]


def test_internal_notes_never_reach_agencies_and_agencies_never_each_other(routed) -> None:  # type: ignore[no-untyped-def]
    tip = routed["tip"]
    op = routed["op1"]
    assert _api(op, "POST", f"/api/v1/tips/{tip}/notes", json={"text": "NỘI BỘ"}).status_code == 201
    shared = {"text": "Gửi công an", "share_with": "lao-cai-police"}
    assert _api(op, "POST", f"/api/v1/tips/{tip}/notes", json=shared).status_code == 201
    # A staff note can only be shared with a recipient of the tip.
    wrong = {"text": "x", "share_with": "hue-police"}
    assert _api(op, "POST", f"/api/v1/tips/{tip}/notes", json=wrong).status_code == 409
    # An agency's note is its own even if it names another agency.
    sneaky = {"text": "Biên phòng ghi", "share_with": "lao-cai-police"}
    assert _api(routed["ag.border"], "POST", f"/api/v1/tips/{tip}/notes", json=sneaky).is_success
    assert _notes(op, tip) == ["NỘI BỘ", "Gửi công an", "Biên phòng ghi"]
    assert _notes(routed["ag.police"], tip) == ["Gửi công an"]
    assert _notes(routed["ag.border"], tip) == ["Biên phòng ghi"]
    # The console page shows the same split.
    c, csrf, _ = routed["ag.police"]
    page = c.get(f"/console/tips/{tip}").text
    assert "Gửi công an" in page and "NỘI BỘ" not in page and "Biên phòng ghi" not in page
    c.post(f"/console/tips/{tip}/notes", data={"csrf_token": csrf, "text": "CA ghi"})
    assert "CA ghi" not in routed["ag.border"][0].get(f"/console/tips/{tip}").text


def test_an_agency_status_cannot_jump_from_not_sent_to_done(routed) -> None:  # type: ignore[no-untyped-def]
    tip, police = routed["tip"], routed["ag.police"]
    url = f"/api/v1/tips/{tip}/recipients/lao-cai-police/status"
    refused = _api(police, "POST", url, json={"status": "done"})
    assert refused.status_code == 409
    # A code for programs, its parameters and the reason in Vietnamese (no Accept-Language).
    assert refused.json()["detail"] == {
        "code": "casework.cannot_move",
        "params": {"old": "pending", "new": "done"},
        "message": "Không thể chuyển pending -> done",
    }
    for step in ("acknowledged", "in_progress", "done"):
        r = _api(police, "POST", url, json={"status": step})
        assert r.status_code == 200 and r.json() == {"status": step}
    c, csrf, _ = routed["ag.border"]
    r = c.post(
        f"/console/tips/{tip}/recipients/lao-cai-border-guard/status",
        data={"csrf_token": csrf, "status": "done"},
        follow_redirects=False,
    )
    assert r.headers["location"].endswith("?error=not_allowed")


def test_an_agency_records_its_outcome_by_api_and_console(client, hotline_rt, routed) -> None:  # type: ignore[no-untyped-def]
    tip = routed["tip"]
    url = f"/api/v1/tips/{tip}/recipients/lao-cai-police/outcome"
    body = {
        "verified": "confirmed",
        "victims_identified": 3,
        "victims_children": 1,
        "victims_rescued": 2,
        "victims_supported": 3,
        "support_kinds": ["medical", "legal_aid"],
        "prosecuted": True,
    }
    r = _api(routed["ag.police"], "POST", url, json=body)
    assert r.status_code == 200 and r.json()["case_opened"] is True
    # Impossible numbers and another agency's row are refused.
    bad = {**body, "victims_children": 5}
    assert _api(routed["ag.police"], "POST", url, json=bad).status_code == 409
    assert _api(routed["ag.border"], "POST", url, json=body).status_code == 403
    c, csrf, _ = routed["ag.border"]
    r = c.post(
        f"/console/tips/{tip}/recipients/lao-cai-border-guard/outcome",
        data={
            "csrf_token": csrf,
            "verified": "unfounded",
            "victims_identified": "0",
            "support_kinds": [],
            "case_opened": "no",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and "error" not in r.headers["location"]
    with unit_of_work(hotline_rt.sessions) as s:
        recs = {
            r.agency_code: r
            for r in s.scalars(select(TipRecipient).where(TipRecipient.tip_id == tip))
        }
        police, border = recs["lao-cai-police"], recs["lao-cai-border-guard"]
        assert (police.victims_identified, police.support_kinds) == (3, ["legal_aid", "medical"])
        assert (border.outcome_verified, border.case_opened, border.outcome_by) == (
            "unfounded",
            False,
            "ag.border",
        )
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "tip.outcome")) is not None


def test_an_operator_changes_the_urgency_with_a_reason(hotline_rt, routed) -> None:  # type: ignore[no-untyped-def]
    tip, op = routed["tip"], routed["op1"]
    url = f"/api/v1/tips/{tip}/urgency"
    assert _api(op, "POST", url, json={"urgency": "crisis", "reason": ""}).status_code == 422
    assert (
        _api(
            routed["ag.police"], "POST", url, json={"urgency": "crisis", "reason": "x"}
        ).status_code
        == 403
    )
    r = _api(op, "POST", url, json={"urgency": "crisis", "reason": "Gọi lại: đang bị giữ"})
    assert r.json() == {"urgency": "crisis"}
    c, csrf, _ = op
    c.post(
        f"/console/tips/{tip}/urgency",
        data={"csrf_token": csrf, "urgency": "high", "reason": "Đã an toàn"},
    )
    with unit_of_work(hotline_rt.sessions) as s:
        t = s.get_one(Tip, tip)
        case = s.get_one(TipCase, tip)
        assert t.urgency == "high"
        assert case.sla_due_at == t.created_at + casework.sla_for(hotline_rt.settings, "high")
        changes = [
            (e.details["old"], e.details["new"], e.details["reason"])
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "tip.urgency"))
        ]
    assert changes == [
        ("normal", "crisis", "Gọi lại: đang bị giữ"),
        ("crisis", "high", "Đã an toàn"),
    ]
    page = c.get(f"/console/tips/{tip}").text
    assert "Đã an toàn" in page and "tip.urgency" in page  # the tip's history


def test_an_agency_transfers_a_tip_with_a_reason(hotline_rt, routed) -> None:  # type: ignore[no-untyped-def]
    tip, police = routed["tip"], routed["ag.police"]
    url = f"/api/v1/tips/{tip}/recipients/lao-cai-police/transfer"
    body = {"to": "lao-cai-social", "reason": "Nạn nhân cần chỗ ở"}
    assert _api(routed["ag.border"], "POST", url, json=body).status_code == 403
    assert _api(police, "POST", url, json={**body, "to": "no-such"}).status_code == 409
    assert _api(police, "POST", url, json=body).status_code == 201
    with unit_of_work(hotline_rt.sessions) as s:
        recs = {
            r.agency_code: r
            for r in s.scalars(select(TipRecipient).where(TipRecipient.tip_id == tip))
        }
        assert recs["lao-cai-police"].status == "declined"
        assert (
            recs["lao-cai-social"].reason_vi == "Chuyển từ Công an tỉnh Lào Cai: Nạn nhân cần chỗ ở"
        )
        moved = s.scalars(select(AuditEvent).where(AuditEvent.action == "tip.transferred")).one()
        assert moved.details["to_agency"] == "lao-cai-social"
    # The police no longer see a transfer form for the row they handed on.
    c, _, _ = police
    page = c.get(f"/console/tips/{tip}").text
    assert f"/console/tips/{tip}/recipients/lao-cai-police/transfer" not in page
