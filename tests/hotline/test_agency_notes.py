"""Agencies read only their own agency's notes, never the hotline's or another agency's."""

from __future__ import annotations

from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from tests.hotline.factories import make_tip, make_user


def test_each_agency_sees_only_its_own_notes(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    cipher = hotline_rt.cipher
    with unit_of_work(hotline_rt.sessions) as s:
        tip = make_tip(s, cipher, province="Huế")
        operator = make_user(s, "op1", "operator")
        hue = make_user(s, "ag.hue", "agency", "hue-police")
        hue_colleague = make_user(s, "ag.hue2", "agency", "hue-police")
        laocai = make_user(s, "ag.lc", "agency", "lao-cai-police")
        casework.add_note(s, cipher, tip, "op1", "Nghi là cùng đường dây với tin #3 (nội bộ)")
        casework.add_note(s, cipher, tip, "ag.hue", "Đã cử tổ xác minh")
        casework.add_note(s, cipher, tip, "ag.lc", "Đối tượng có tiền án")

        def seen(viewer) -> list[str]:  # type: ignore[no-untyped-def]
            return [n.text for n in casework.notes(s, cipher, tip.id, viewer)]

        assert len(seen(operator)) == 3
        assert seen(hue) == seen(hue_colleague) == ["Đã cử tổ xác minh"]
        assert seen(laocai) == ["Đối tượng có tiền án"]
