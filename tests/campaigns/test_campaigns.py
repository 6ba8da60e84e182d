"""Campaign workflow, segments, yearly recurrence, exactly-once outbox, API two-person rule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from hotline.campaigns import (
    delivery,
    scheduler,
    segments,
    validation,
    workflow,
)
from hotline.campaigns import (
    results as campaign_results,
)
from hotline.campaigns.models import CampaignDelivery, DeliveryStatus
from hotline.campaigns.schemas import CampaignDraft, Segment
from hotline.db.session import unit_of_work
from hotline.subscribers import service as subscribers
from hotline.subscribers.models import Subscriber
from tests.campaigns.conftest import add_subscribers, approved_campaign
from tests.hotline.factories import PASSWORD, make_user


def test_yearly_30_7_next_occurrence_in_vietnam_time() -> None:
    # 29/7 23:30 in Hanoi is 29/7 16:30 UTC: the next 30/7 08:00 is the next morning.
    moment, year = scheduler.next_yearly(30, 7, 8, datetime(2026, 7, 29, 16, 30, tzinfo=UTC))
    assert (moment, year) == (datetime(2026, 7, 30, 1, 0, tzinfo=UTC), "2026")
    # 30/7 08:00 local has passed (01:00 UTC): next year.
    moment, year = scheduler.next_yearly(30, 7, 8, datetime(2026, 7, 30, 1, 0, tzinfo=UTC))
    assert (moment, year) == (datetime(2027, 7, 30, 1, 0, tzinfo=UTC), "2027")
    # 29/2 only recurs in leap years.
    assert scheduler.next_yearly(29, 2, 9, datetime(2026, 3, 1, tzinfo=UTC))[1] == "2028"


def test_draft_schema_validates_and_parses_local_time() -> None:
    data = CampaignDraft.parse(
        {"title": "t", "messages": {"vi": "x"}, "schedule": "at", "send_at": "30/07/2026 08:00"}
    ).columns()
    assert data["send_at"] == datetime(2026, 7, 30, 1, 0, tzinfo=UTC)
    assert (
        CampaignDraft.parse(
            {"title": "t", "messages": {"vi": "x"}, "schedule": "yearly", "yearly": "30/7"}
        ).yearly_month
        == 7
    )
    for bad in (
        {"title": "t", "messages": {"en": "only english"}},
        {"title": "t", "messages": {"vi": "x"}, "segment": {"channels": ["sms"]}},
        {"title": "t", "messages": {"vi": "x"}, "buttons": [{"kind": "hoc", "target": "a"}]},
        {"title": "t", "messages": {"vi": "x"}, "schedule": "yearly", "yearly": "31/2"},
    ):
        with pytest.raises(validation.CampaignError):
            CampaignDraft.parse(bad)


def test_schemas_report_the_first_broken_rule_in_field_order() -> None:
    # The code is what the console and the API word: the title before the message, etc.
    with pytest.raises(validation.CampaignError) as refused:
        CampaignDraft.parse({"messages": {}, "schedule": "weekly"})
    assert refused.value.code == "title_required"
    with pytest.raises(validation.CampaignError) as refused:
        CampaignDraft.parse({"title": "t", "segment": {"channels": ["sms"]}})
    assert refused.value.code == "message_vi_required"
    button = {"kind": "quiz", "target": "law", "title": {"vi": "Luật"}}
    with pytest.raises(validation.CampaignError) as refused:
        CampaignDraft.parse({"title": "t", "messages": {"vi": "x"}, "buttons": [button] * 4})
    assert refused.value.code == "too_many_buttons"
    with pytest.raises(validation.CampaignError) as refused:
        Segment.parse({"languages": ["fr"]})
    assert (refused.value.code, refused.value.params) == (
        "invalid_value",
        {"where": "segment.languages"},
    )
    with pytest.raises(validation.CampaignError) as refused:
        CampaignDraft.parse({"title": "t", "messages": {"vi": "x"}, "schedule": "at"})
    assert refused.value.code == "time_format"
    segment = Segment.parse({"channels": ["zalo", "telegram", "zalo", " "], "unknown": ["x"]})
    assert segment.model_dump() == {
        "channels": ["telegram", "zalo"],
        "provinces": [],
        "topics": [],
        "languages": [],
        "age_bands": [],
    }


def test_author_cannot_approve(hotline_rt) -> None:
    add_subscribers(hotline_rt, 1)
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.create(session, {"title": "t", "messages": {"vi": "x"}}, "alice")
        workflow.submit(session, c)
        with pytest.raises(validation.NotAllowed):
            workflow.approve(session, c, "alice")
        workflow.approve(session, c, "bob")
        assert c.status == "scheduled"
        assert c.approver == "bob"


def test_segments(hotline_rt) -> None:
    add_subscribers(hotline_rt, 3, 1, province="Lào Cai", topics=["tactics"], age_band="18_24")
    add_subscribers(hotline_rt, 2, 10, province="Nghệ An", topics=["law"], lang="en")
    add_subscribers(hotline_rt, 1, 20, channel="zalo", topics=["tactics", "law"])
    cases = {
        (): 6,
        (("provinces", ("Lào Cai",)),): 3,
        (("topics", ("law",)),): 3,
        (("topics", ("law",)), ("languages", ("en",))): 2,
        (("channels", ("zalo",)),): 1,
        (("age_bands", ("18_24",)), ("topics", ("tactics",))): 3,
        (("provinces", ("Huế",)),): 0,
    }
    with unit_of_work(hotline_rt.sessions) as session:
        for criteria, expected in cases.items():
            segment = {k: list(v) for k, v in criteria}
            assert len(segments.audience(session, segment)) == expected, segment
            assert segments.audience_count(session, segment) == expected, segment


def test_audience_is_one_count_query(hotline_rt) -> None:
    """The count before submit and approval is a single SELECT count(...), no subscriber row."""
    add_subscribers(hotline_rt, 4, province="Lào Cai", topics=["tactics", "law"])
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    engine = hotline_rt.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with unit_of_work(hotline_rt.sessions) as session:
            n = segments.audience_count(session, {"provinces": ["Lào Cai"], "topics": ["law"]})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert n == 4
    queries = [q for q in statements if "subscribers" in q]
    assert len(queries) == 1 and "count(" in queries[0] and "address_enc" not in queries[0]


def test_zero_audience_cannot_be_submitted_or_approved(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.create(
            session,
            {"title": "t", "messages": {"vi": "x"}, "segment": {"provinces": ["Lào Cai"]}},
            "alice",
        )
        with pytest.raises(validation.EmptyAudience, match="empty_audience"):
            workflow.submit(session, c)
        assert c.status == "draft"
    chats = add_subscribers(hotline_rt, 1, province="Lào Cai")
    with unit_of_work(hotline_rt.sessions) as session:
        c2 = workflow.get(session, c.id)
        assert c2 is not None
        workflow.submit(session, c2)
        # The only subscriber leaves before a colleague approves: approval is refused too.
        subscribers.unsubscribe(session, hotline_rt.pseudonyms.key("telegram", chats[0]))
        with pytest.raises(validation.EmptyAudience):
            workflow.approve(session, c2, "bob")
        assert c2.status == "pending_approval" and c2.approver is None


def test_expansion_is_idempotent_and_claims_are_exclusive(hotline_rt) -> None:
    add_subscribers(hotline_rt, 10)
    cid = approved_campaign(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session) == 10
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.get(session, cid)
        assert c is not None
        assert segments.expand(session, c, "once") == 0  # a second expansion adds nothing
    with unit_of_work(hotline_rt.sessions) as session:
        a, _ = delivery.claim(session, "w1", 6, 60)
    with unit_of_work(hotline_rt.sessions) as session:
        b, _ = delivery.claim(session, "w2", 6, 60)
    assert len(a) == 6
    assert len(b) == 4
    assert not {r.id for r in a} & {r.id for r in b}
    # One claim is one batch marked `sending` before any API call; w2 records its results.
    with unit_of_work(hotline_rt.sessions) as session:
        delivery.record(
            session, [delivery.Outcome(r.id, DeliveryStatus.sent, message_ids=[1]) for r in b]
        )
    # w1 is killed mid-batch: its lease expires and exactly its batch becomes failed_unknown.
    later = datetime(2100, 1, 1, tzinfo=UTC)
    with unit_of_work(hotline_rt.sessions) as session:
        back, unknown = delivery.recover(session, later)
    assert (back, unknown) == (0, 6)
    with unit_of_work(hotline_rt.sessions) as session:
        statuses = Counter(r.status for r in session.scalars(select(CampaignDelivery)))
        assert statuses == {DeliveryStatus.failed_unknown: 6, DeliveryStatus.sent: 4}
        assert delivery.claim(session, "w3", 10, 60, later) == ([], 0)  # never resent


def test_claim_settles_rows_it_will_not_send(hotline_rt) -> None:
    """Unsubscribed, channel off and Zalo over its daily cap: final in the claim itself."""
    add_subscribers(hotline_rt, 3)
    add_subscribers(hotline_rt, 3, 100, channel="zalo")
    approved_campaign(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session) == 6
        zalo_ids = select(Subscriber.id).where(Subscriber.channel == "zalo").order_by(Subscriber.id)
        gone = session.scalars(zalo_ids).first()
        assert gone is not None
        subscribers.unsubscribe_id(session, gone)
    with unit_of_work(hotline_rt.sessions) as session:
        rows, settled = delivery.claim(session, "w", 10, 60, channels={"zalo"}, zalo_daily_cap=1)
    assert (len(rows), settled) == (1, 5)
    assert {r.channel for r in rows} == {"zalo"} and all(r.key for r in rows)
    with unit_of_work(hotline_rt.sessions) as session:
        errors = Counter(
            (r.status, r.last_error) for r in session.scalars(select(CampaignDelivery))
        )
    assert errors == {
        ("sending", None): 1,
        ("skipped", "unsubscribed"): 1,
        ("skipped", "channel_off"): 3,
        ("skipped_quota", "zalo_daily_cap"): 1,
    }


def test_yearly_campaign_expands_once_per_year(hotline_rt) -> None:
    add_subscribers(hotline_rt, 3)
    cid = approved_campaign(hotline_rt, schedule="yearly", yearly="30/7", yearly_hour=8)
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.get(session, cid)
        assert c is not None
        first = c.next_run_at
        assert first is not None
        assert first.astimezone(validation.TZ).strftime("%d/%m %H:%M") == "30/07 08:00"
        assert scheduler.run_scheduler(session, first.replace(hour=0)) == 0  # not yet due
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session, first) == 3
        c = workflow.get(session, cid)
        assert c is not None
        assert c.next_run_at is not None
        assert c.next_run_at.year == first.year + 1
        assert c.last_occurrence == str(first.year)
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session, first) == 0  # same occurrence: nothing new


def test_api_two_person_rule_and_results(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as session:
        make_user(session, "alice", "communicator")
        make_user(session, "bob", "communicator")
        make_user(session, "olga", "operator")

    def auth(name: str) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    alice, bob = auth("alice"), auth("bob")
    body = {
        "title": "Ngày toàn dân phòng, chống mua bán người",
        "messages": {"vi": "Hãy cảnh giác với việc nhẹ lương cao."},
        "buttons": [{"kind": "hoc", "target": "viec-nhe-luong-cao", "title": {"vi": "Tìm hiểu"}}],
        "segment": {"provinces": ["Lào Cai"]},
        "schedule": "yearly",
        "yearly": "30/7",
        "yearly_hour": 8,
    }
    assert client.post("/api/v1/campaigns", json=body, headers=auth("olga")).status_code == 403
    r = client.post("/api/v1/campaigns", json=body, headers=alice)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["audience"] == 0
    # Nobody in Lào Cai yet: submitting is refused with a code and the reason in Vietnamese,
    # or in English for a caller who asks for it.
    refused = client.post(f"/api/v1/campaigns/{cid}/submit", headers=alice)
    assert refused.status_code == 422
    assert refused.json()["detail"]["code"] == "campaign.empty_audience"
    assert "0 người đăng ký" in refused.json()["detail"]["message"]
    english = {**alice, "Accept-Language": "en-GB,en;q=0.9"}
    refused = client.post(f"/api/v1/campaigns/{cid}/submit", headers=english)
    assert refused.json()["detail"]["message"].startswith("The segment reaches 0 subscribers")
    add_subscribers(hotline_rt, 2, province="Lào Cai")
    add_subscribers(hotline_rt, 1, start=9, province="Huế")
    count = client.post(
        "/api/v1/campaigns/audience", json={"segment": {"provinces": ["Lào Cai"]}}, headers=alice
    )
    assert count.json() == {"audience": 2}
    bad = client.post(
        "/api/v1/campaigns/audience", json={"segment": {"channels": ["sms"]}}, headers=alice
    )
    assert bad.status_code == 422
    assert client.get(f"/api/v1/campaigns/{cid}", headers=bob).json()["audience"] == 2
    submitted = client.post(f"/api/v1/campaigns/{cid}/submit", headers=alice)
    assert submitted.status_code == 200 and submitted.json()["audience"] == 2
    assert client.post(f"/api/v1/campaigns/{cid}/approve", headers=alice).status_code == 403
    r = client.post(f"/api/v1/campaigns/{cid}/approve", headers=bob)
    assert r.status_code == 200
    assert r.json()["status"] == "scheduled"
    assert r.json()["approver"] == "bob"
    results = client.get(f"/api/v1/campaigns/{cid}/results", headers=alice).json()
    assert results["sent"] == 0
    assert results["clicks"] == {"hoc": 0, "quiz": 0}
    assert client.get("/api/v1/subscribers/stats", headers=bob).status_code == 200
    # Test send needs a linked chat first.
    assert client.post(f"/api/v1/campaigns/{cid}/test-send", headers=alice).status_code == 422
    code = client.post("/api/v1/campaigns/test-recipient/code", headers=alice).json()["code"]
    with unit_of_work(hotline_rt.sessions) as session:
        assert delivery.link_test_recipient(
            session, hotline_rt.pseudonyms, hotline_rt.cipher, code, "telegram", "555"
        )
        # One-time: the same code does not link twice.
        assert not delivery.link_test_recipient(
            session, hotline_rt.pseudonyms, hotline_rt.cipher, code, "telegram", "666"
        )
    assert client.post(f"/api/v1/campaigns/{cid}/test-send", headers=alice).status_code == 202
    with unit_of_work(hotline_rt.sessions) as session:
        assert session.scalar(select(func.count(CampaignDelivery.id))) == 1
        # Linking a test chat subscribes nobody (only the three added above are subscribers).
        assert session.scalar(select(func.count(Subscriber.id))) == 3


def test_retention_purges_old_finished_deliveries_only(hotline_rt) -> None:
    """Finished rows past CANHGIAC_RETENTION_CAMPAIGN_DELIVERY_DAYS go; open or recent stay."""
    from datetime import timedelta

    from sqlalchemy import update

    from hotline import retention
    from hotline.db.base import utcnow

    add_subscribers(hotline_rt, 6)
    approved_campaign(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session) == 6
        rows, _ = delivery.claim(session, "w", 4, 60)
        delivery.record(session, [delivery.Outcome(r.id, DeliveryStatus.sent) for r in rows])
        old = utcnow() - timedelta(days=hotline_rt.settings.retention_campaign_delivery_days + 1)
        # Three sent rows and one pending row are old; one sent row is recent.
        ids = sorted(r.id for r in rows)
        pending = session.scalars(
            select(CampaignDelivery.id).where(CampaignDelivery.status == DeliveryStatus.pending)
        ).first()
        session.execute(
            update(CampaignDelivery)
            .where(CampaignDelivery.id.in_([*ids[:3], pending]))
            .values(created_at=old)
        )
    with unit_of_work(hotline_rt.sessions) as session:
        assert (
            retention.purge(session, utcnow(), hotline_rt.settings, dry_run=True)[
                "campaign_deliveries"
            ]
            == 3
        )
        assert retention.purge(session, utcnow(), hotline_rt.settings)["campaign_deliveries"] == 3
    with unit_of_work(hotline_rt.sessions) as session:
        left = set(session.scalars(select(CampaignDelivery.id)))
    assert left.isdisjoint(ids[:3]) and ids[3] in left and pending in left


def test_results_count_sends_per_local_day_in_sql(hotline_rt) -> None:
    """A send at 20:00 UTC on 29/07 is counted on 30/07 (Asia/Ho_Chi_Minh), grouped in SQL."""
    from sqlalchemy import update

    add_subscribers(hotline_rt, 3)
    cid = approved_campaign(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as session:
        scheduler.run_scheduler(session)
        rows, _ = delivery.claim(session, "w", 3, 60)
        delivery.record(session, [delivery.Outcome(r.id, DeliveryStatus.sent) for r in rows])
        ids = sorted(r.id for r in rows)
        for rid, moment in zip(
            ids,
            (
                datetime(2026, 7, 29, 20, 0, tzinfo=UTC),
                datetime(2026, 7, 30, 1, 0, tzinfo=UTC),
                datetime(2026, 7, 29, 16, 59, tzinfo=UTC),
            ),
            strict=True,
        ):
            session.execute(
                update(CampaignDelivery).where(CampaignDelivery.id == rid).values(sent_at=moment)
            )
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.get(session, cid)
        assert c is not None
        res = campaign_results.results(session, c)
    assert res["sent"] == 3
    assert {d["day"]: d["sent"] for d in res["by_day"]} == {"29/07/2026": 1, "30/07/2026": 2}
