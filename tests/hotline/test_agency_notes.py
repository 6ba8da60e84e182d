"""Agencies read only the notes shared with their own agency, never the hotline's or another's."""

from __future__ import annotations

import pytest

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from tests.hotline.factories import make_tip, make_user


def test_each_agency_sees_only_its_own_notes(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    cipher = hotline_rt.cipher
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        tip = make_tip(s, cipher, province="Huế", child_involved=True)
        casework.route_tip(s, hotline_rt.settings, tip)
        operator = make_user(s, "op1", "operator")
        hue = make_user(s, "ag.hue", "agency", "hue-police")
        hue_colleague = make_user(s, "ag.hue2", "agency", "hue-police")
        social = make_user(s, "ag.social", "agency", "hue-social")
        laocai = make_user(s, "ag.lc", "agency", "lao-cai-police")
        casework.note_for(s, cipher, tip, operator, "Nghi là cùng đường dây với tin #3 (nội bộ)")
        casework.note_for(s, cipher, tip, operator, "Nhờ công an xác minh", "hue-police")
        casework.note_for(s, cipher, tip, hue, "Đã cử tổ xác minh")
        casework.note_for(s, cipher, tip, social, "Đã bố trí chỗ ở", "hue-police")
        with pytest.raises(casework.CaseError):
            casework.note_for(s, cipher, tip, laocai, "Không nhận tin này")

        def seen(viewer) -> list[str]:  # type: ignore[no-untyped-def]
            return [n.text for n in casework.notes(s, cipher, tip.id, viewer)]

        assert len(seen(operator)) == 4
        assert seen(hue) == seen(hue_colleague) == ["Nhờ công an xác minh", "Đã cử tổ xác minh"]
        assert seen(social) == ["Đã bố trí chỗ ở"]
        assert seen(laocai) == []
