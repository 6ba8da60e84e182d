"""The night shift's queue: time left, search by text / receipt code / phone, my tips, pages,
CSV export, labels and agency names instead of keys and codes."""

from __future__ import annotations

import csv
import io
import secrets

from hotline import worker
from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.schemas import TipDraft
from tests.hotline.factories import make_tip, make_user, sign_in


def _draft(**kw: object) -> TipDraft:
    base: dict[str, object] = {
        "submission_token": secrets.token_hex(16),
        "draft_ref": secrets.token_hex(16),
        "channel": "webchat",
    }
    return TipDraft.model_validate({**base, **kw})


def test_search_mine_pages_and_export(client, hotline_rt, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        op = make_user(s, "op1", "operator")
        make_user(s, "op2", "operator")
        boat, code = service.submit_tip(
            s,
            hotline_rt,
            _draft(what="Bị giữ trên tàu cá ở Cà Mau", province="Cà Mau", child="unsure"),
        )
        phone = service.submit_tip(
            s,
            hotline_rt,
            _draft(what="Tuyển người đi Campuchia", recruiter="gọi 0912 345 678", province="Huế"),
        ).tip
        for i in range(5):
            make_tip(s, hotline_rt.cipher, f"tin thường {i}", province="Hà Nội")
        ids = {"boat": boat.id, "phone": phone.id}
        op_id = op.id
    worker.tick(hotline_rt, {})
    with unit_of_work(hotline_rt.sessions) as s:
        casework.assign(s, hotline_rt.settings, s.get_one(casework.Tip, ids["phone"]), op_id, "sup")
    c, _, bearer = sign_in(client.app, "op1")
    auth = {"Authorization": f"Bearer {bearer}"}

    def api_ids(**params: object) -> list[int]:
        r = c.get("/api/v1/tips", params=params, headers=auth)
        assert r.status_code == 200
        return [t["id"] for t in r.json()]

    assert api_ids(q="tàu cá") == [ids["boat"]]  # text, accents or not
    assert api_ids(q="TAU CA") == [ids["boat"]]
    assert api_ids(q=code) == [ids["boat"]]  # the receipt code
    assert api_ids(q="0912.345.678") == [ids["phone"]]  # the recruiter's phone, any spacing
    assert api_ids(mine=True) == [ids["phone"]]
    # Seven tips, three a page: crisis (the boat, child unsure) first.
    first = c.get("/api/v1/tips", params={"page_size": 3}, headers=auth)
    assert first.headers["X-Total-Count"] == "7" and first.json()[0]["id"] == ids["boat"]
    assert len(api_ids(page_size=3, page=3)) == 1
    # The console page: labels, agency names, time left, search and "my tips".
    page = c.get("/console/tips", params={"q": "tàu cá"}).text
    assert f'data-tip="{ids["boat"]}"' in page and f'data-tip="{ids["phone"]}"' not in page
    table = page[page.index('id="queue"') :]
    assert "Chưa rõ tuổi, có thể là trẻ em" in table and "child_uncertain_age" not in table
    assert "Công an tỉnh Cà Mau" in table and "ca-mau-police" not in table
    assert "phút để phân loại" in table
    mine = c.get("/console/tips", params={"mine": "1"}).text
    assert f'data-tip="{ids["phone"]}"' in mine and f'data-tip="{ids["boat"]}"' not in mine
    monkeypatch.setattr(casework, "PAGE_SIZE", 3)
    paged = c.get("/console/tips").text
    assert "Trang 1/3" in paged and 'id="queue-next"' in paged
    # CSV: every matching tip, labels not keys, no tip text.
    r = c.get("/console/tips/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Số" and len(rows) == 8
    assert any("Khẩn cấp" in row for row in rows) and "tàu cá" not in r.text
    tip_page = c.get(f"/console/tips/{ids['boat']}").text
    assert "Sự việc" in tip_page and "Không chắc (coi như trẻ em)" in tip_page
    assert ">what<" not in tip_page and "province_text" not in tip_page
