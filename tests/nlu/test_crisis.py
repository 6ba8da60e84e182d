"""Crisis detection (nlu.crisis): kinds, where the person is, and the look-alikes it must skip."""

from __future__ import annotations

import pytest

from nlu.crisis import CrisisKind, Where, detect

K = CrisisKind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The sentences the safety issue found failing, and variants in other typing styles.
        ("tôi muốn tự tử", K.SUICIDE),
        ("em không muốn sống nữa", K.SUICIDE),
        ("e ko muon song nua", K.SUICIDE),
        ("i want to kill myself", K.SUICIDE),
        ("con tôi 14 tuổi bỏ nhà đi theo người lạ quen qua TikTok", K.MISSING_CHILD),
        ("my daughter is 13 and ran away with a man from facebook", K.MISSING_CHILD),
        ("có người hỏi mua thận giá 500 triệu", K.ORGAN_SALE),
        ("co nguoi hoi mua than gia 500tr", K.ORGAN_SALE),
        ("someone offered to buy my kidney for 20000 usd", K.ORGAN_SALE),
        ("mk bi lua qua cam r, h lm sao de ve dc", K.ABROAD),
        ("tôi ở Đài Loan bị chủ giữ hộ chiếu thì gọi ai", K.ABROAD),
        ("họ đòi 10 nghìn đô tiền chuộc mới thả con tôi ở Myanmar", K.ABROAD),
        (
            "I'm a foreigner working in a factory in Binh Duong and my boss took my passport,"
            " what can I do?",
            K.FOREIGN_WORKER,
        ),
        ("cuu voi ho dang danh em, em dang tren xe ve bien gioi", K.DANGER_NOW),
        ("they locked me in the room and took my phone", K.DANGER_NOW),
        ("em bi ep tiep khach o quan karaoke", K.FORCED_SEX),
        ("con gai toi 16 tuoi co nguoi ru len thanh pho lam nguoi mau", K.CHILD_RECRUITED),
        ("vợ tôi đi chợ từ sáng qua đến giờ không về, gọi không ai nghe máy", K.MISSING_PERSON),
        ("tôi toàn nghĩ dại, chắc không chịu được nữa", K.SUICIDE),
        ("i feel like ending everything", K.SUICIDE),
        ("I can't go on anymore", K.SUICIDE),
        ("my sister is in myanmar and the company wants 5000 dollars to release her", K.ABROAD),
        ("a man is following me and says he will take me to china", K.DANGER_NOW),
        ("I'm scared they will kill me if I try to run", K.DANGER_NOW),
        ("somebody took my little brother from the playground", K.DANGER_NOW),
        ("họ đánh thuốc mê em rồi đưa lên xe", K.DANGER_NOW),
        (
            "a stranger online keeps asking my 14 year old for photos and wants to meet her",
            K.CHILD_RECRUITED,
        ),
        ("con gái 13 tuổi bị người lạ đòi ảnh nóng, dọa tung ảnh", K.CHILD_RECRUITED),
        ("con tôi 10 tuổi đi học chưa về", K.MISSING_CHILD),
        (
            "my cousin went to work in malaysia and nobody has heard from her for 2 months",
            K.MISSING_PERSON,
        ),
    ],
)
def test_crisis_kinds(text: str, kind: CrisisKind) -> None:
    found = detect(text)
    assert found is not None and found.kind == kind, found


@pytest.mark.parametrize(
    "text",
    [
        "mất điện thoại",
        "mất điện rồi",
        "hòa bình cho thế giới",
        "mệt muốn chết",
        "chán muốn chết, mai lại đi làm",
        "tôi muốn từ từ tìm hiểu luật",
        "bạn thân tôi đi Hàn",
        "Người Việt bị lừa sang Campuchia làm gì?",
        "co nguoi ru em sang cam lam viec luong cao",
        "so dien thoai bao tin buon nguoi la bao nhieu",
        "khoang 3 em",
        "con mèo nhà tôi mất tích hai hôm rồi",
        "xem phim bắt cóc tối qua hay quá",
        "kidney bean soup recipe",
        "Tôi từng bị bán sang Trung Quốc, giờ về rồi, tôi có được học nghề không?",
        "nếu con mình bị lừa bán thì nên báo ai?",
        "tội mua bán thận bị xử thế nào?",
        "I'm trapped in traffic lol",
        "bị nhốt trong nhà cả tuần vì mưa, chán ghê",
        "con chó nhà tôi đi lạc từ sáng",
        "cái chìa khóa xe mất tích rồi",
        "Tôi muốn đăng ký hiến tạng sau khi mất thì làm ở đâu?",
        "bố mẹ không cho em ra ngoài chơi tối nay",
        "cứu e vs, bài tập toán khó quá",
        "trò chơi này rất nguy hiểm",
        "em bị ép học thêm buổi tối",
        "I'm missing my family so much",
        "anh ấy chưa về, chắc tắc đường",
        "this game will kill me lol",
        "escape room this weekend anyone?",
    ],
)
def test_look_alikes_are_not_crises(text: str) -> None:
    assert detect(text) is None


def test_where_the_person_is() -> None:
    abroad = detect("em bị nhốt ở Sihanoukville, cứu em")
    assert abroad is not None and abroad.where == Where.ABROAD and abroad.country == "Campuchia"
    home = detect("em bị nhốt ở một nhà trọ ở Bắc Ninh, cứu em")
    assert home is not None and home.where == Where.VIETNAM
    unsure = detect("cứu em, em bị nhốt")
    assert unsure is not None and unsure.where == Where.UNKNOWN


def test_marks_typed_must_agree_with_the_crisis_word() -> None:
    # Bare "tu tu" may be tự tử; "từ từ" typed with its marks is "slowly".
    assert detect("minh muon tu tu") is not None
    assert detect("mình muốn từ từ") is None
    # "bán thận" typed bare is selling a kidney; "bạn thân" with marks is a best friend.
    assert detect("ban than 1 qua duoc bao nhieu tien") is not None
    assert detect("bạn thân 1 người được bao nhiêu tiền") is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        # A country named as where someone comes from, or will be taken, is not where they are.
        (
            "I'm from Myanmar working in a factory in Binh Duong, boss keeps my passport",
            Where.VIETNAM,
        ),
        ("toi dang bi nhot o nha kho o Long An, ho noi se dua sang cam", Where.VIETNAM),
        ("em dang o cua khau moc bai, ho ep em qua cam toi nay", Where.VIETNAM),
        ("em bị giữ ở Lạng Sơn, sáng mai họ đưa em qua Trung Quốc", Where.VIETNAM),
        ("I was brought to Vietnam from Laos and they lock us in", Where.VIETNAM),
        ("mk bi lua qua cam r, h lm sao de ve dc", Where.ABROAD),
        ("chi oi e dang o Myanmar, ho doi 5000$ moi tha", Where.ABROAD),
    ],
)
def test_where_is_where_the_person_is_now(text: str, where: Where) -> None:
    found = detect(text)
    assert found is not None and found.where == where, found


def test_a_foreign_national_in_viet_nam_is_a_foreign_worker() -> None:
    found = detect("Tôi là người Campuchia làm phụ hồ ở Tây Ninh, chủ giữ hộ chiếu")
    assert found is not None and found.kind == K.FOREIGN_WORKER


@pytest.mark.parametrize(
    ("text", "kind", "where"),
    [
        # Classes an outside tester found (07/12/2026), each in a wording of our own.
        ("anh ấy đứng trên cầu Long Biên nhắn là muốn nhảy xuống cho xong", K.SUICIDE, None),
        ("im on the roof and about to jump", K.SUICIDE, None),
        ("chau toi 6 tuoi bi mat o cho, tim ca buoi khong thay", K.MISSING_CHILD, None),
        ("bà tôi bị lẫn, sáng nay ra khỏi nhà chưa về", K.MISSING_PERSON, None),
        ("anh trai đi Malaysia, mất liên hệ 2 tuần rồi", K.MISSING_PERSON, None),
        ("a stranger on Roblox sends my 10 year old son gifts and asked him to meet", None, None),
        ("con gái tôi 13 tuổi bị một người lạ đòi gặp riêng và hứa tặng quà", None, None),
        (
            "họ bảo tuần sau sẽ gả con bé cho một người bên Trung Quốc, giờ nó ở Lạng Sơn",
            None,
            "vn",
        ),
        ("they want me to fly to Myanmar next week to sell my kidney", K.ORGAN_SALE, "vn"),
        ("em bị lừa sang Campuchia, họ sẽ bán em cho công ty khác ở Myanmar", K.ABROAD, "abroad"),
        ("I just want to disappear forever", K.SUICIDE, None),
        ("she swallowed all her sleeping pills an hour ago", K.SUICIDE, None),
        (
            "they say my cousin in Laos owes them and we must pay or he will be sold",
            K.ABROAD,
            "abroad",
        ),
        ("a boy screaming inside a truck, three men holding the doors", K.DANGER_NOW, None),
        # Round 2 of the outside tester (07/12/2026), in wordings of our own.
        (
            "toi o Ha Tinh, sang Lao lam viec 3 thang nay, gio chu giu giay to khong cho ve",
            K.ABROAD,
            "abroad",
        ),
        ("Tôi ở Quảng Ninh, bị lừa bán sang Trung Quốc, đang bị nhốt", K.ABROAD, "abroad"),
        ("chan song qua, dem nay uong het vi thuoc ngu cho xong", K.SUICIDE, None),
        ("e 14t, co ng tren fb hua cho e sang Lao lam phuc vu, hen e ra ben xe", None, "vn"),
        ("nó có ảnh nóng của em và đang tống tiền, em mới 15", None, None),
        ("con bé nhà em 11 tuổi, có 1 người đàn ông lạ dụ nó đi gặp riêng", None, None),
        ("anh tôi đi Lào làm việc rồi block hết cả nhà", K.MISSING_PERSON, "abroad"),
        ("ông tôi đang bị một nhóm người giữ trong nhà trọ, họ đòi tiền", K.DANGER_NOW, None),
        ("họ định đưa em sang Campuchia đêm nay", K.DANGER_NOW, "vn"),
        # Round 3 (07/12/2026), in wordings of our own.
        ("từ khi được đưa về từ Lào, em chỉ muốn chết", K.SUICIDE, "vn"),
        (
            "tôi bị một người đàn ông chở đi Hà Giang, khóa cửa xe không cho xuống",
            K.DANGER_NOW,
            None,
        ),
        ("con tôi 7 tuổi bị một bà lạ dắt đi ở công viên", K.MISSING_CHILD, None),
        (
            "chị tôi qua Campuchia làm sale, từ hôm kia facebook off luôn",
            K.MISSING_PERSON,
            "abroad",
        ),
        ("em bi ket o casino, ho bat pay 3000$ moi release", K.ABROAD, None),
        # Round 4 (07/12/2026), in wordings of our own.
        ("ban than toi di Hue tu tuan truoc, gio ko lien lac dc", K.MISSING_PERSON, None),
        ("em đang bị 2 người dẫn đi trên xe ra Lạng Sơn, họ nói sang TQ làm", None, "vn"),
        ("từ ngày trốn khỏi bên Lào về, tôi chỉ muốn chết", K.SUICIDE, "vn"),
        ("em dang o Van Nam Trung Quoc, bi giu giay to, muon ve", K.ABROAD, "abroad"),
        (
            "phòng bên có mấy chị người nước ngoài bị nhốt, tôi nghe tiếng khóc",
            K.FOREIGN_WORKER,
            None,
        ),
    ],
)
def test_outside_tester_classes(text: str, kind: CrisisKind | None, where: str | None) -> None:
    crisis = detect(text)
    assert crisis is not None, text
    if kind is not None:
        assert crisis.kind == kind, (text, crisis)
    else:
        assert K.CHILD_RECRUITED in (crisis.kind, *crisis.also) or crisis.kind in (
            K.MISSING_CHILD,
            K.DANGER_NOW,
        ), (text, crisis)
    if where is not None:
        assert crisis.where == where, (text, crisis)


@pytest.mark.parametrize(
    "text",
    [
        "my parcel is missing since Monday",
        "cách giữ giấy tờ cẩn thận khi đi du lịch Nhật",
        "minh bi lac duong o Ha Noi, ga Long Bien di huong nao",
        "chuyến bay VN123 bị giữ lại ở Nội Bài 3 tiếng rồi",
        "phân tích nhân vật bị bắt cóc trong tác phẩm văn học này",
        "the baby is crying in the car seat, how do I calm her",
        "I took my vitamin pills this morning",
        "con tôi mới 6 tuổi mà đã biết bơi",
        "giết thời gian ở sân bay thế nào cho đỡ chán",
        "tôi bị công an giữ xe vì không đội mũ bảo hiểm",
        "bố mẹ đưa em qua nhà bà ngoại chơi",
        "con chó nhà tôi bị nhốt ngoài ban công cả chiều",
        "zalo của tôi bị lỗi, off luôn từ sáng",
        "bị mèo cào chảy máu tay, có cần tiêm không",
    ],
)
def test_outside_tester_look_alikes(text: str) -> None:
    assert detect(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "Is it legal for my employer to keep my passport?",
        "Công ty có được giữ hộ chiếu của người lao động không?",
        "What is debt bondage?",
    ],
)
def test_questions_about_the_rule_are_not_crises(text: str) -> None:
    assert detect(text) is None, text


def test_a_worker_is_not_a_lao_national() -> None:
    crisis = detect("người lao động bị chủ nhốt trong xưởng, không cho về")
    assert crisis is not None and crisis.kind == K.DANGER_NOW, crisis


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Threatened with intimate photos for money or more photos: a crime under way, in every
        # typing style; a child's case stays the recruited-child answer.
        ("có thằng dọa tung ảnh nóng của tôi nếu không chuyển 20 triệu", K.DANGER_NOW),
        ("bi doa phat tan clip nhay cam neu ko gui tien", K.DANGER_NOW),
        ("someone is threatening to post my nude photos unless I pay", K.DANGER_NOW),
        ("my ex says he will leak my sex video if I don't send money", K.DANGER_NOW),
        (
            "e lo gui anh nong cho 1 ng quen tren tiktok, h no doa tung len mang, e moi 15t",
            K.CHILD_RECRUITED,
        ),
    ],
)
def test_extortion_with_intimate_images(text: str, kind: CrisisKind) -> None:
    found = detect(text)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "phim về một cô gái bị tống tiền bằng ảnh nóng",
        "gửi ảnh nóng cho người yêu có sao không",
        "tống tiền bằng ảnh nhạy cảm bị phạt thế nào",
    ],
)
def test_talk_of_intimate_photos_without_a_threat_is_no_crisis(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    ("text", "kind", "where"),
    [
        # Outside round r10: the bridge "cầu tối nay" is no uncle ("cậu tôi"); back from Malaysia
        # after a long clause; a child lost at a market or lured onto a motorbike; a family
        # asked for money with a threat, "gọi về" being a call home and not a return.
        ("thoi ko di dc nua r, t dinh nhay cau toi nay", K.SUICIDE, Where.UNKNOWN),
        (
            "t cat tay r, sau khi bi ep lam gai o malay ve t thay ban lam, ko muon song",
            K.SUICIDE,
            Where.VIETNAM,
        ),
        ("mat con o cho dem sa pa roi chau 6 tuoi ao do", K.MISSING_CHILD, Where.VIETNAM),
        (
            "ban t o cam goi ve noi bi dich chuyen sang cty khac, bon no doi gia dinh gui 8000$"
            " ko thi chat tay",
            K.ABROAD,
            Where.ABROAD,
        ),
    ],
)
def test_round_ten_people_and_places(text: str, kind: CrisisKind, where: Where) -> None:
    found = detect(text)
    assert found is not None and (found.kind, found.where) == (kind, where)


def test_own_suicide_plan_is_not_about_someone_else() -> None:
    from nlu.crisis import about_someone_else

    assert not about_someone_else("thoi ko di dc nua r, t dinh nhay cau toi nay")
    assert about_someone_else("cậu tôi nói muốn tự tử")


def test_not_found_yet_needs_a_person() -> None:
    assert detect("toi van chua tim duoc viec lam") is None
    assert detect("cty doi gia dinh nop tien coc 20 trieu truoc khi di") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Outside round r11: pills already taken, a bridge said of oneself, debt despair on a
        # bridge, being followed now, an organ offer with a trip to a clinic, a ransom for a son
        # abroad, a wife gone a month, a girl of 16 someone came to buy as a wife.
        ("da uong thuoc r", K.SUICIDE),
        ("toi dang dung tren cau", K.SUICIDE),
        (
            "Tôi bị lừa mất hết tiền đi xuất khẩu lao động, nợ nần chồng chất, tôi đang đứng"
            " trên cầu",
            K.SUICIDE,
        ),
        ("giup voi dang bi theo doi ngay sau lung", K.DANGER_NOW),
        (
            "Someone on Facebook offers me 15000 dollars for my kidney, they will take me to a"
            " clinic",
            K.ORGAN_SALE,
        ),
        (
            "Con trai tôi sang Campuchia làm việc, giờ có người gọi đòi 200 triệu tiền chuộc nếu"
            " không sẽ bán nó đi chỗ khác",
            K.ABROAD,
        ),
        ("vo toi bo di dau 1 thang roi, co nguoi noi thay o bien gioi lang son", K.MISSING_PERSON),
        ("co nguoi den nha hoi mua con gai toi 16t ve lam vo, tra 100 trieu", K.CHILD_RECRUITED),
    ],
)
def test_round_eleven(text: str, kind: CrisisKind) -> None:
    found = detect(text)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "tôi đã uống thuốc rồi mà vẫn sốt",
        "toi dang dung tren cau rong xem phao hoa",
        "tôi đang đứng trên cầu thang",
        "chong toi di nhau chua ve, goi ko nghe may, chac lai say o nha ban",
        "tai khoan fb cua toi dang bi theo doi",
    ],
)
def test_round_eleven_look_alikes(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Có người mời đứa em 14 tuổi của tôi đi làm người mẫu ở Thái Lan, còn đưa tiền trước",
        "Mẹ em ép em 15 tuổi lấy chồng bên Trung Quốc, tuần sau họ sang đón",
    ],
)
def test_a_child_recruited_to_go_abroad_is_still_here(text: str) -> None:
    found = detect(text)
    assert found is not None and found.kind == K.CHILD_RECRUITED
    assert found.where == Where.VIETNAM  # 113 and 111 work; no "they do not work abroad"


def test_a_child_already_there_is_abroad() -> None:
    found = detect("con toi 15 tuoi dang o campuchia, bi ep lam viec")
    assert found is not None and found.where == Where.ABROAD
