"""Crisis detection: does a message need a crisis answer first, which kind, and where is the person.

Every message passes here before any other answer (bot/dialogs/safety.py). The rules are
written the way a hotline operator reads a first sentence, not tuned to a test set:

- signals are regexes on the folded text after teencode expansion ("mk bi nhot" ->
  "minh bi nhot"), so marks, no marks and chat spellings meet the same rule; English has its
  own patterns on the lower-cased text;
- a rule whose bare form is ambiguous once marks are dropped ("tu tu": tự tử / từ từ,
  "ban than": bán thận / bạn thân) carries the marked form it stands for: where the person
  typed marks, they must be a subset of that form's (`accents_subset`), so "từ từ" and
  "bạn thân" never fire while "tu tu" and "bán than" do;
- where: a country entity other than Viet Nam, or words such as "nước ngoài" / "abroad",
  mean abroad (113 does not work there); a province or "Việt Nam" means at home.

A false alarm costs a few lines of numbers; a miss can cost a life, so the patterns lean wide
and the look-alikes the brief names ("mất điện thoại", "mệt muốn chết", "bạn thân") are
excluded explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nlu.entities import accents_subset, extract
from nlu.language import guess_language
from nlu.normalize import Normalized, fold, for_matching, normalize

VIETNAM = "Việt Nam"


class CrisisKind(StrEnum):
    """What kind of first answer a message needs (most urgent and most specific first)."""

    SUICIDE = "suicide"
    ABROAD = "abroad"
    FOREIGN_WORKER = "foreign_worker"
    FORCED_SEX = "forced_sex"
    MISSING_CHILD = "missing_child"
    DANGER_NOW = "danger_now"
    CHILD_RECRUITED = "child_recruited"
    ORGAN_SALE = "organ_sale"
    MISSING_PERSON = "missing_person"


class Where(StrEnum):
    """Where the person in danger is, as far as the message tells."""

    VIETNAM = "vn"
    ABROAD = "abroad"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Crisis:
    """A crisis found in a message."""

    kind: CrisisKind
    where: Where
    #: Canonical country name when abroad and named ("Campuchia"), else None.
    country: str | None = None
    #: Other kinds the message also shows (e.g. a missing child who is held abroad).
    also: tuple[CrisisKind, ...] = ()


@dataclass(frozen=True)
class _Rule:
    """A folded-text regex; `marked` words must agree with any marks the person typed."""

    pattern: re.Pattern[str]
    marked: tuple[str, ...] = ()


def _rule(pattern: str, *marked: str) -> _Rule:
    return _Rule(re.compile(pattern), marked)


def _any(*alternatives: str) -> str:
    return r"\b(?:" + "|".join(alternatives) + r")\b"


# People a message can be about (folded, teencode already expanded).
_ME = r"(?:em|toi|minh|tui|tao|to|chung toi|chung em|bon em|bon toi|tui em)"
_KIN = (
    r"(?:con|con gai|con trai|chau|be|em gai|em trai|chi|chi gai|anh|anh trai|vo|chong|bo|me"
    r"|ba|ban|ban gai|ban trai|nguoi yeu|nguoi nha|nguoi than|co|di|cau|chu|bac|ong|ba noi)"
)
_PERSON = rf"(?:{_ME}|{_KIN}|no|nguoi ta|ho|co ay|anh ay|chi ay|ban ay)"

# --- signals ------------------------------------------------------------------------------

_SUICIDE = [
    _rule(_any("tu tu", "tu sat", "quyen sinh", "tu van doi", "tu ket lieu"), "tự tử"),
    # Pills already taken: "đã uống thuốc rồi" as the whole message, sleeping pills, rat poison.
    _rule(
        r"^\W*(?:toi |em |t |minh |tui |e )?(?:da|vua|moi) uong (?:het )?thuoc (?:roi|r)\W*$"
        r"|\buong (?:het |ca |nhieu |qua nhieu )?(?:\w+ )?(?:thuoc ngu|thuoc chuot|thuoc tru sau"
        r"|(?:lo|vi|hop|vien) thuoc ngu)\b|\buong (?:ca|het) (?:lo|vi|hop) thuoc\b"
        r"|\buong thuoc qua lieu\b"
    ),
    # On a bridge or a roof, said of oneself and nothing else to do there.
    _rule(
        r"\b(?:toi|em|t|minh|tui|e|con|tao) (?:dang )?(?:dung|ngoi|treo) (?:\w+ )?(?:tren|o|ben"
        r"|canh) (?:cau(?! thang| long| ca\b| truot| tuot| vong| thu)|san thuong|lan can|mai nha"
        r"|noc nha|tang thuong|thanh cau)\b"
        r"(?!.*\b(?:xem|ngam|chup|cau ca|phao hoa|cho (?:ban|ban be|nguoi)|doi (?:ban|xe|nguoi)"
        r"|hong xe|ket xe|tac duong|ban hang|lam viec|sua))"
    ),
    _rule(
        _any(
            r"(?:nghi|lam|lam chuyen|lam dieu) dai(?: dot)?",
            r"tim (?:den|toi) cai chet",
            r"treo co",
            r"(?:nhay|gieo minh) (?:xuong )?(?:song|lau|tu tang|cau)",
            r"khong thiet (?:song|gi nua)",
            r"muon buong xuoi",
            r"(?:song|con song) cung (?:nhu|bang) chet",
            r"met moi voi (?:cuoc song|cuoc doi)",
            r"khong muon ton tai",
        ),
        "nghĩ",
    ),
    _rule(_any(r"(?:khong|chang|het|chan|khong con) (?:muon|thiet|buon) song"), "sống"),
    _rule(_any(r"chan song"), "chán sống"),
    _rule(_any(r"khong (?:the|muon) song (?:tiep|them|nua)", r"song (?:khong|chang) noi nua")),
    _rule(
        r"(?<!met )(?<!doi )(?<!nong )(?<!lanh )(?<!cuoi )(?<!buon cuoi )(?<!so )(?<!chan )"
        r"(?<!dau )(?<!ngu )(?<!buon ngu )(?<!hoi )(?<!ghen )(?<!dep )(?<!ngon )"
        r"\b(?:muon|dinh|tinh|se|tha|chi muon|muon di) chet\b(?! (?:cuoi|di duoc|me|ha))",
        "chết",
    ),
    _rule(
        _any(
            r"chet (?:quach|di) cho (?:xong|roi|nhe)",
            r"chet cho xong",
            r"ket lieu (?:doi|cuoc doi|ban than|minh)",
        )
    ),
    _rule(
        _any(
            r"nhay (?:cau|lau|song|tu tang)",
            r"nhay xuo?n?g?(?: \w+){0,3} (?:cho|la) (?:xong|roi|het|nhe)",
            r"uong (?:thuoc|het thuoc) (?:ngu|chuot|sau|tru sau)",
            r"uong (?:het|ca|nguyen|sach) (?:\w+ )?(?:lo|vi|hop|chai|tup|nam|nhum)(?: \w+)? thuoc",
            r"(?:cat|rach|cua) (?:tay|co tay)",
        ),
        "nhảy",
    ),
    # The writer holding a razor or a knife in despair: self-harm, not someone armed.
    _rule(
        rf"\b{_ME}(?: dang| vua| da)? (?:cam|lay|cat|rach|cua)(?: bang)? (?:con |cai |1 )?"
        r"(?:dao lam|luoi lam|dao cat)\b",
        "cầm",
    ),
    _rule(
        _any(
            r"tu (?:lam )?(?:hai|dau) (?:ban than|minh)", r"lam (?:hai|dau) (?:ban than|chinh minh)"
        )
    ),
    _rule(
        _any(
            r"khong con (?:ly do|li do|gi|y nghia|dong luc|motivation) (?:\w+ )?(?:de )?song",
            r"song (?:lam gi|de lam gi) nua",
            r"muon bien mat (?:khoi|mai|vinh vien)",
            r"(?:khong|chang) song (?:duoc|noi|them) (?:\w+ )?(?:lau|bao lau|may) (?:nua|ngay)",
            r"ra di mai mai",
        )
    ),
    _rule(
        _any(
            r"(?:ket thuc|cham dut) (?:cuoc doi|cuoc song|tat ca|moi thu|doi)",
            r"(?:nghi|nghi den|nghi toi|tinh den) (?:cai chet|chuyen chet|den chet|viec chet"
            r"|chuyen tu)",
            r"song khong bang chet",
            r"chet cho (?:xong|roi|nhe)",
            r"di theo (?:bo|me|ong|ba|cha) cho xong",
            # A farewell sent: "nhắn 'tạm biệt mẹ, con xin lỗi' rồi tắt máy".
            r"(?:tam biet|vinh biet) (?:bo|me|ba|ca nha|moi nguoi|gia dinh|anh|chi|em)\W+(?:\w+ )?"
            r"(?:xin loi|tha loi)",
        )
    ),
    _rule(
        _any(
            r"(?:tich|gom|mua) (?:\w+ )?thuoc (?:ngu|chuot|tru sau)",
            r"uong thuoc (?:ngu|chuot|tru sau)",
            r"viet (?:xong )?thu (?:de )?lai cho",
            r"(?:dung|ngoi|treo) (?:\w+ )?(?:tren|o|ben) (?:san thuong|lan can|mep cau"
            r"|thanh cau|noc nha)",
            r"cach (?:chet|die|tu tu|ket lieu)",
        )
    ),
    _rule(
        _any(
            r"ngu (?:1|mot) giac (?:\w+ ){0,3}(?:khong|chang) (?:bao gio |bao h )?(?:day|tinh)",
            r"neu (?:em|toi|minh|con|chau) chet",
            r"khong muon (?:thuc day|tinh day|ton tai)",
        )
    ),
]
# Standing somewhere high or by water, with despair: a person about to jump.
_HIGH_PLACE = re.compile(
    r"\b(?:dung|ngoi|o|leo len|treo) (?:\w+ )?(?:tren|o|ben|len|canh) (?:cau|san thuong|lan can"
    r"|mai nha|noc nha|tang thuong|bo song|mep|thanh cau)\b"
    r"|\b(?:on|at) (?:the |a )?(?:bridge|roof|rooftop|ledge|balcony)\b"
)
_DESPAIR = re.compile(
    r"\b(?:het roi|het cach|khong muon ve|khong muon song|chan lam|met moi|khong chiu noi"
    r"|khong con gi|xin loi (?:bo|me|moi nguoi)|vinh biet|tam biet (?:moi nguoi|bo|me)"
    r"|khong con (?:duong|loi) (?:nao|thoat|song|ra)|het duong|cung duong|bet tac"
    r"|can'?t take it|goodbye (?:everyone|mom|dad)|it'?s over|no way out"
    r"|no nan chong chat|mat het tien|mat trang|tra (?:khong|ko) noi|khong (?:con )?tra noi"
    r"|(?:muon|dinh|sap|se|chi muon) nhay(?: xuo?n?g?)?|cho xong|(?:want|going|about) to jump)\b"
)
_SUICIDE_EN = [
    re.compile(
        r"\b(?:kill my ?self|suicid\w*|end (?:my life|it all|my own life)|want(?:s"
        r"|ed)? to die"
        r"|wanna die|don'?t want to (?:live|be alive|wake up)|self[- ]?harm|hurt(?:ing)? my ?self"
        r"|cut(?:ting)? my ?self|no reason to live|better off dead|take my (?:own )?life"
        r"|(?:jump|jumping) (?:off|from) (?:a |the )?(?:bridge|building|roof)|ending my life"
        r"|want (?:it all|everything|this) to (?:end|stop)|end it(?: all)? tonight"
        r"|sleep and never wake|end(?:ing)? it(?: all)? (?:tonight|today|now|soon)"
        r"|(?:have|got|bought|found) (?:a |the )?(?:rope|noose)|(?:rope|noose|pills|razor|blade)"
        r" (?:is |are )?ready|(?:ready|going|about) to (?:jump|hang)"
        r"|(?:thinking (?:of|about)|think about|plan(?:ning)? (?:to|on)|going to|gonna|want to"
        r"|wanna) end(?:ing)? (?:it|things|everything|my life)"
        r"|(?:saving|saved|collecting) (?:up )?(?:pills|sleeping pills)|goodbye letter"
        r"|suicide note|(?:don'?t|do not) want to be (?:here|alive) any ?more|can'?t go on"
        r"|no point (?:in )?living|life (?:is not|isn'?t) worth|overdose|hang myself|slit my"
        r"|give up on life|ending everything|end everything|(?:what'?s|no) (?:the )?point (?:of"
        r"|in) living"
        r"|reason to (?:live|keep living)|(?:want|wanna) to disappear (?:forever|for good)"
        r"|disappear forever|(?:took|swallowed|taken) (?:a lot of|all(?: my| her| his| their"
        r"| the)?|too many|a bottle of|a whole (?:box|bottle) of) (?:my )?(?:sleeping )?(?:pills"
        r"|tablets|meds|medicine))\b"
    )
]

_HELD = [
    _rule(
        r"\bbi (?:nhot(?! ngoai)|giam(?! chan| xe| bang| tien)|giam long|giu lai|giu(?! xe"
        r"| bang| tien| cho| cua)|khoa trai|khoa (?:cua|trong|lai trong)|xich|troi|cong(?! ty"
        r"| an| viec| nhan| tac| dong)|bat coc|bat giu"
        r"|bat di|bat nhot|danh dap|danh dam|danh(?! gia| thue| roi| cap| bai| thuc)|hanh hung"
        r"|hanh ha|de doa|doa(?! duoi| cat| phat)|cuong hiep|hiep dam|xam hai|lam dung|khong che"
        r"|chuoc thuoc|danh thuoc|bit mieng|bo doi|dua di|dua sang|dua qua|dua len xe"
        r"|cho di|chuyen di|chuyen sang|ban sang|ban qua|ban cho|ban vao|ban lai|lua ban"
        r"|tich thu|thu (?:ho chieu|dien thoai|giay to)|canh giu|canh gac|bam theo)\b",
        "bị",
    ),
    _rule(rf"\bnhot (?:{_PERSON}|vao|trong|lai|o)\b", "nhốt"),
    # "giúp với đang bị theo dõi ngay sau lưng": followed now, and asking for help.
    _rule(
        r"\b(?:giup|cuu|help)\b(?:\W+\w+){0,4}?\W+dang bi (?:theo doi|theo duoi|bam theo|di theo"
        r"|ram theo)\b"
        r"|\bdang bi (?:\w+ )?(?:theo duoi|bam theo|ram theo) (?:ngay )?(?:sau lung|sat)\b"
    ),
    # "bọn nó đang chở mk đi đâu ko biết": being driven off by them, right now.
    _rule(
        r"\b(?:bon no|bon ho|chung no|ho|ke la|nguoi la) (?:dang |vua )?(?:cho|dua|dan|keo"
        r"|chuyen) (?:t|toi|tui|em|e|mk|minh|tao|con|chau|bon em|chung em) (?:di|den|qua|sang|len"
        r"|ra)\b(?! (?:hoc|choi|an|kham|truong|cho|sieu thi|cong vien|lam|ve nha|ve que))"
    ),
    # "họ định đưa tôi sang Trung Quốc": the writer is about to be taken away.
    _rule(
        r"\b(?:dinh|se|sap|muon|chuan bi|sap sua) (?:\w+ )?(?:dua|ban|cho|chuyen|dem|cho di)"
        r" (?:toi|em|minh|tui|chau|con|chung toi|chung em|bon em|tao)"
        r" (?:sang|qua|di|ve|len|xuong|ra)\b"
    ),
    # "tối nay họ đưa em qua Cam": taken across by others (not "họ đưa em về nhà").
    _rule(
        r"\b(?:ho|bon no|bon ho|chung no|nguoi ta|may thang|bon chung)(?: \w+){0,2} (?:dua|ban"
        r"|chuyen|dem|cho) (?:toi|em|minh|tui|chau|con|chung toi|chung em|bon em) (?:sang|qua)\b"
    ),
    # The writer being led away ("em đang bị 2 người dẫn đi"): danger now, not a missing person.
    _rule(
        r"\b(?:em|toi|minh|tui|tao|chung em|chung toi) (?:dang |vua |da )?bi (?:\w+ ){0,4}(?:dan"
        r"|dat|keo|loi|be|bong|cho) di\b"
    ),
    # "bị một nhóm người giữ", "bị bọn chúng nhốt": the people named before the verb.
    _rule(
        r"\bbi (?:mot |1 )?(?:nhom|bon|toan|dam|may|hai|2|ba|3)? ?(?:nguoi|thang|ke|ga|tui|chung no"
        r"|chung|ho)(?: \w+){0,2} (?:giu|nhot|bat|giam|canh|cho di|cho len|cho ve phia|dua len"
        r"|dua di|keo len|loi len)\b(?! (?:xe|ho chieu|giay to|tien|cho"
        r"|dien thoai|lai cho))",
        "bị",
    ),
    _rule(
        rf"(?<!nghien )\bcuu (?:{_PERSON}|voi|giup|mang|minh voi|em voi|toi voi|chung toi|nguoi)\b",
        "cứu",
    ),
    _rule(r"^(?:cuu|cuu voi|cuu em|sos)\b", "cứu"),
    _rule(
        rf"\b(?:giu|nhot|bat giu|canh) (?:{_PERSON}|chi con|em con|chi ay"
        rf"|co ay)(?: \w+){{0,3}} (?:trong|o|tai|tu)\b",
        "giữ",
    ),
    _rule(
        r"\b(?:bit mat|bam theo|duoi theo|chay thoat|thoat khoi|nhay khoi xe|nhay xuong xe"
        r"|dap cua|dang nup|dang tron)\b"
    ),
    _rule(r"\b(?:thu het|tich thu|thu mat|giu het|lay het) (?:\w+ )?(?:dien thoai|dt|sim)\b"),
    _rule(r"\b(?:thu|tich thu|lay) (?:dien thoai|dt|sim|giay to|ho chieu) (?:het|luon|roi)\b"),
    _rule(
        r"\bkhoa (?:cua )?(?:phong|nha|cua)(?: \w+){0,2} (?:tu|o) ngoai\b|\bkhong ra (?:duoc"
        r"|ngoai duoc)\b"
    ),
    _rule(
        rf"\b(?:dua|ban|ban {_PERSON}) (?:sang|qua) (?:ben kia|ben do|ben tau"
        rf"|\w+) (?:de )?ban\b|\bnoi (?:se )?(?:dua|ban) (?:\w+ ){{0,3}}(?:ban|di xa)\b"
        rf"|\b(?:mai|ngay mai|toi nay) (?:dua|ban|chuyen) (?:\w+ )?(?:di|sang|qua)\b"
    ),
    _rule(
        rf"\b(?:ban|chuyen) (?:{_ME}) (?:sang|qua|cho) (?:cong ty|khu|nguoi|ong chu|boss)\b"
        rf"|\bbat (?:\w+ ){{0,2}}(?:scam|lua dao|lam lua)\b|\bbi lock\b"
    ),
    _rule(
        r"\b(?:loi|keo) (?:\w+ ){0,3}len xe\b|\bcho (?:\w+ ){0,2}di tren xe\b|\bbat (?:tra no"
        r"|nop tien)\b|\bmoi (?:cho|duoc) (?:ve|tha)\b"
    ),
    _rule(
        r"(?<!bo )(?<!me )(?<!ba )(?<!bo me )(?<!gia dinh )(?<!nha )(?<!ong ba )(?<!thay )"
        r"(?<!co giao )(?<!vo )(?<!chong )"
        r"\bkhong (?:cho|duoc phep|duoc) (?:em |toi |minh |chung toi |bon em |no |con )?"
        r"(?:ve|ra ngoai|ra khoi|ra|di dau|lien lac|goi dien|nghi viec|nghi|roi khoi|bo ve"
        r"|xuong|xuong xe)\b"
    ),
    _rule(
        r"(?<!tu )(?<!khong )(?<!tu minh )(?<!se )(?<!ho se )(?<!cach )(?<!de )"
        r"\b(?:giu|thu|tich thu|lay mat|cam|giu mat|lay)"
        r" (?:luon |mat |het )?(?:ho chieu|passport|giay to|can cuoc|cccd|cmnd)\b"
        r"(?! (?:an toan|can than|cho an toan|khoi mat|ky))"
    ),
    _rule(r"\b(?:dang|vua|muon|tim cach|phai) (?:tron|bo tron|chay tron|thoat ra)\b"),
    _rule(r"\btron (?:ra|thoat|khoi|duoc|ve)\b"),
    _rule(
        r"\b(?:bi )?ket (?:o|tai|trong) (?:casino|song bac|dac khu|khu lua dao|cong ty lua dao)\b"
    ),
    _rule(
        r"\b(?:doi|doi nop|bat nop|nop|chuyen) (?:tien )?chuoc\b|\btien chuoc\b"
        r"|\b(?:doi|nop|tra|chuyen|gui|pay) (?:tien|[\d.,]+\S*)(?: \S+){0,3} (?:moi|de|thi) (?:tha"
        r"|cho ve|duoc ve|duoc di|cho di|release)\b"
    ),
    _rule(
        r"\b(?:doa|de doa|doa se) (?:giet|danh|ban|chat|bat)\b|\bgiet (?:em|toi|minh|con|chau)\b"
    ),
    # A threat with a condition: "chuyển 8k usd không thì bán t sang Myanmar".
    _rule(
        r"\b(?:khong|ko|k|kh|neu khong|neu ko|ko la|khong la) thi (?:ho |no |chung no )?(?:(?:ban"
        r"|giet|danh|chat|bat) (?:t|toi|tui|em|e|minh|mk|tao|con|chau|no|chi|anh)|(?:chat|cat"
        r"|danh gay|be) (?:tay|chan|ngon tay))\b"
    ),
    # The family asked to pay: "bọn nó đòi gia đình gửi 8000$".
    _rule(
        r"\b(?:bon no|chung no|bon ho|ho|no|boss|chu|bon chu) (?:\w+ )?(?:doi|bat|ep) (?:gia dinh"
        r"|nha|bo me|nguoi nha|ca nha|nha minh|nha toi) (?:\w+ )?(?:gui|chuyen|tra) (?:tien"
        r"|[\d.,]+\S*)"
    ),
    _rule(
        r"\b(?:tren xe|len xe|dang bi dua|dang di) (?:ve|di|sang|qua|ra|toi) (?:bien gioi"
        r"|cua khau)\b"
    ),
    _rule(rf"\b(?:dua|cho|cho ca) {_PERSON} (?:qua|sang|ve|ra|toi) (?:bien gioi|cua khau)\b"),
    _rule(r"\b(?:dang gap nguy hiem|em dang nguy hiem|toi dang nguy hiem|minh dang nguy hiem)\b"),
    _rule(r"\b(?:danh thuoc|chuoc thuoc|cho uong thuoc) (?:me|ngu)\b"),
    _rule(rf"\b(?:dang (?:bi )?)?(?:theo doi|bam theo|rinh) (?:{_ME})\b"),
    _rule(
        r"\b(?:khong biet (?:minh |em |toi )?(?:dang )?o dau|co (?:dao|sung|vu khi)"
        r"|cam (?:dao|sung)|bi troi|troi (?:tay|chan))\b"
    ),
    _rule(
        r"\bbi (?:nguoi la|ke la|ai do|bon|ho|nguoi ta|may thang|may nguoi|1 nguoi|mot nguoi)"
        r" (?:\w+ )?(?:dua|dan|ban|bat|cho|cho|loi|keo) (?:\w+ )?(?:di|qua|sang|len|vao|ve)\b"
    ),
    _rule(rf"\b(?:dang|vua) (?:danh|dap|hanh ha|nhot|giu|keo|loi|bat) {_PERSON}\b"),
    # "bị chồng cũ bán cho 1 ông", "nó đánh chị mấy hôm nay": sold by someone, beaten by them.
    _rule(r"\bbi (?:\w+ ){1,3}ban (?:cho|sang|qua|vao|lai cho)\b", "bán"),
    _rule(
        rf"\b(?:no|ho|han|chung no|bon no|thang do|ong ta|ong ay|chong|chong cu|chu nha)"
        rf"(?: \w+)? (?:danh|dap|hanh ha|bat nhot) (?:{_PERSON})\b(?! (?:gia|bai|tieng|nhau))",
        "đánh",
    ),
    _rule(
        rf"\bep (?:{_PERSON} )?(?:lam viec|lam|ban|tiep|lay chong|di|lua dao|ky|vay|uong"
        rf"|quan he|qua|sang|ve)\b",
        "ép",
    ),
    _rule(r"\bbat (?:em|toi|minh|chung toi|bon em|con|chau) (?:lam|ban|tiep|lay|di|lua)\b", "bắt"),
    _rule(
        r"\b(?:khong tra luong|khong duoc tra luong|khong co luong|khong nhan duoc luong"
        r"|khong cho nghi|lam (?:1[4-9]|2\d) (?:tieng|gio|h)|bi no|no nan khong tra het)\b"
    ),
    _rule(r"\b(?:danh dap|hanh ha|bi thuong|chay mau|bi chich dien|dien giat|bo doi|bo an)\b"),
]
_HELD_EN = [
    re.compile(
        r"\b(?:help (?:me|us) (?:please|pls|plz|now|quick|get out|escape)|save (?:me|us)"
        r"|rescue (?:me|us)"
        r"|locked (?:in|up|me|us)|lock(?:s|ed)? (?:me|us) (?:in|up)|trapped|held (?:captive"
        r"|against|hostage)"
        r"|kidnap\w*|abduct\w*|can'?t (?:leave|escape|get out|go home|go out|run)"
        r"|cannot (?:leave|escape|get out|go home)|not allowed to (?:leave|go|go out|go home|call)"
        r"|won'?t let (?:me|us|her|him) (?:leave|go|out|call)|escaped from|trying to escape"
        r"|run away from|drugged|tied (?:me |us )?up|they have (?:guns|knives|a gun|a knife)"
        r"|(?:sexually )?(?:abused|assaulted|raped)|don'?t know where i am|being followed"
        r"|being (?:moved|taken|trafficked|sold|beaten|held|forced)|sold (?:me|us|her|him)"
        r"|threaten\w*|in danger|beat(?:s|en|ing)? (?:me|us|her|him|them)|hits? (?:me|us|him"
        r"|her|them)"
        r"|lock(?:s|ed)? (?:me|us|him|her|them|all|everyone|the \w+)|(?:don'?t|do not|doesn'?t"
        r"|won'?t) let (?:me|us|her|him|them) (?:out|go|leave)"
        r"|(?:will|going to|gonna) sell (?:me|us|her|him|them)|chasing (?:me|us)|jumped (?:out"
        r"|off) (?:of )?(?:the |a )?(?:car|van|truck)"
        r"|forced (?:me|us|her|him) to|forced to (?:work|sell|marry|stay|pay|scam|sleep)"
        r"|force (?:me|us) to|ransom|debt bondage"
        r"|(?:dragged|pulled|pushed|forced|thrown|bundled) into (?:a|the|an|his|their)"
        r" (?:van|car|truck|taxi|vehicle|boat)"
        r"|(?:keep|keeps|kept|keeping|hold|holds|holding) (?:her|him|them|a girl|the girl|girls"
        r"|women|children|kids|people) (?:inside|locked|captive|prisoner|there against)"
        r"|(?:kept|held|locked|trapped|confined) (?:\w+ ){0,2}in (?:a|the) (?:compound"
        r"|scam compound|building|room|house|warehouse|factory|dorm\w*)"
        r"|forced to (?:\w+ ){0,3}(?:scam|fraud|calls|chat with|sell sex|live ?stream)"
        r"|(?:taking|moving|bringing|sending|selling|smuggling|take|move|bring|send|sell|smuggle)"
        r" (?:me|us) (?:across|over) (?:the )?border"
        r"|(?:taking|moving|bringing|sending|selling|smuggling) (?:me|us) to (?:china|cambodia|laos"
        r"|myanmar|burma|thailand|malaysia)"
        r"|(?:say|said|says|told me) (?:\w+ ){0,3}(?:they|he|she) (?:will |'ll |are going to "
        r"|gonna )?(?:take|send|sell|move|ship) (?:me|us)"
        r"|(?:pay|send|transfer) (?:\w+ ){0,4}(?:or (?:\w+ ){0,3}(?:be sold|sell|hurt|kill)"
        r"|to (?:release|free|let (?:him|her|them|me|us) go))"
        r"|beat(?:s|ing)? (?:people|workers|everyone|anyone)|stuck (?:in|at) (?:a "
        r"|the )?(?:scam|compound"
        r"|casino|factory|company|building)|(?:dollars|usd|\$|money) to (?:release|free"
        r"|let (?:her|him"
        r"|them|me|us) go)|pay (?:\S+ ){0,3}to (?:release|free|get (?:her|him|them|me) back)"
        r"|(?:following|follows|followed|stalking) me|(?:will|going to|gonna|wants? to) (?:take"
        r"|bring|sell)"
        r" me to|(?:will|going to|gonna|threaten\w* to|say they will) kill (?:me|us|her|him)"
        r"|(?:took|taken|grabbed|snatched|kidnapped) (?:my|our|a) (?:little )?(?:brother|sister|son"
        r"|daughter|child|kid|baby|boy|girl)"
        r"|(?:took|taken|take|takes|kept|keep|keeps|keeping|confiscated|holding|holds|hold|has"
        r"|have)"
        r" (?:away )?(?:my |our |his |her |their |the |all )?(?:passports?|documents|papers"
        r"|id cards?|phones?)"
        r"|(?:no|not|never|without) (?:been )?(?:paid|salary|wages|pay)\b(?: for| since)?"
        r"|unpaid (?:for|since)|not paid (?:for|since))\b"
    ),
    re.compile(
        r"^\W*(?:help|sos|help me|help us|please help|pls help|plz help)\W*(?:me|us|pls|please"
        r"|plz)?\W*$"
    ),
]

# A bystander sees it happen: a child or a girl with a stranger, frightened, now.
_SIGHTING = re.compile(
    r"\b(?:di (?:voi|cung|theo)|voi|cung) (?:mot |1 )?(?:ong|nguoi|thang|ga|ba)? ?(?:la|la mat)\b"
    r"(?:\W+\w+){0,10}?\W+(?:trong |co ve |nhin )?(?:so|hoang so|so hai|khoc|run)\b"
    r"|\b(?:with|next to) (?:a |an |some )?(?:strange|older|unknown)? ?(?:man|men|stranger)\b"
    r"(?:\W+\w+){0,10}?\W+(?:looked|looks|seemed|seems|was|is) (?:scared|frightened|afraid"
    r"|crying)\b"
)
# A child or a girl crying or screaming in a vehicle, with men or strangers around.
_CRYING_IN_VEHICLE = re.compile(
    r"\b(?:girl|boy|child|kid|woman|be|be gai|co gai|dua tre|con be)\b (?:\w+ ){0,2}(?:crying"
    r"|screaming|khoc|la het|keu cuu)\b (?:\w+ ){0,2}(?:in|inside|tren|trong) (?:a |the |1 |mot )?"
    r"(?:van|car|truck|xe|o to|oto)\b"
)
_STRANGERS = re.compile(
    r"\b(?:men|strangers?|(?:two|2|some) (?:guys|men)|nguoi la|dan ong|(?:2|hai|may|vai) (?:nguoi"
    r"|thang|ong|ga))\b"
)

_MISSING = [
    _rule(
        r"\b(?:mat (?:lien lac|lien he|contact|ket noi)|mat tich|bien mat|bat tin"
        r"|biet vo am tin|block het|(?:zalo|facebook|fb|messenger|dien thoai|sdt) (?:\w+ )?(?:of+"
        r"|tat may) (?:han|luon|mat|het|tu)|chan het (?:lien lac|moi nguoi|ca nha)|khong (?:the "
        r"|con )?lien (?:lac|he) duoc"
        r"|khong (?:ai )?(?:nghe|bat) may|tat may|khong (?:goi|nhan tin) (?:duoc|lai)"
        r"|khong tra loi (?:tin nhan|dien thoai|may)|khong goi (?:dien )?ve"
        r"|goi khong (?:duoc|ai nghe)|khong (?:lien lac|goi) (?:duoc )?(?:voi|cho) (?:ai"
        r"|gia dinh|nha))\b"
    ),
    _rule(r"\b(?:bo nha|bo di khoi nha|tron khoi nha|bo di theo)\b"),
    _rule(
        r"\b(?:chua|khong|van chua|chang) (?:ve|thay ve|ve nha|quay ve)(?: \w+){0,3} "
        r"(?:may|\d+|hai|ba|bon|nam|1 vai) (?:ngay|hom|dem|tuan|thang)\b"
        r"|\b(?:may|\d+|hai|ba|bon|nam) (?:ngay|hom|dem|tuan|thang)(?: nay| roi| nay roi)?"
        r" (?:chua|khong|van chua) (?:ve|thay ve|lien lac|goi|nghe may|tra loi)\b"
        r"|\b(?:tu|sau) (?:hom qua|toi qua|sang qua|chieu qua|trua qua|dem qua|hom kia|hom truoc"
        r"|tuan truoc|thang truoc) (?:den gio "
        r"|toi gio )?"
        r"(?:chua|khong|van chua) (?:ve|thay|lien lac|goi)\b"
    ),
    _rule(
        r"\bkhong biet (?:no |con |chau |em |chong |vo |nguoi do )?(?:o dau|dang o dau|di dau)\b"
    ),
    _rule(
        r"\b(?:di theo|bo theo|theo) (?:nguoi la|trai|ban trai|nguoi yeu|nguoi quen|1 nguoi"
        r"|(?:1|mot) (?:thang|ong|ga|anh|nguoi dan ong|dua|tay)"
        r"|mot nguoi|thang|thang nao|ai do|nguoi quen (?:tren|qua) mang|ban quen (?:tren"
        r"|qua) mang)\b"
    ),
    _rule(r"\blen (?:\w+ ){0,2}(?:xe|o to|oto|xe hoi) (?:\w+ )?la\b"),
    _rule(
        r"\b(?:bat coc|bi bat coc|bi bat di|bi dua di dau|bi (?:\w+ ){0,5}(?:be|bong|dat|dan"
        r"|keo|loi|du) (?:di|len (?:xe|o to|oto))|di lac|lac mat|bi lac)\b(?! duong)"
        # "giờ chưa tìm thấy" (not a job or a room not found yet)
        r"|\b(?:gio|den gio|van|ma) chua tim (?:thay|duoc|ra)\b(?! (?:viec|cong viec|nha|phong))"
    ),
    _rule(
        r"\b(?:khong ai|chang ai) (?:biet|bit) (?:\w+ )?(?:o dau|di dau)\b|\bkhong co tin tuc\b"
        r"|\bof+line tu\b|\bkhong (?:thay|tim thay) (?:dau|dau ca)\b"
    ),
    _rule(r"\bbo di (?:cung|voi|theo)\b"),
    # "vợ tôi bỏ đi đâu 1 tháng rồi": gone for a month, nobody knows where.
    _rule(r"\bbo di (?:dau )?(?:duoc |da )?(?:may|\d+|mot|hai|ba|bon|nam) (?:ngay|tuan|thang)\b"),
    # "tàu về rồi mà bố tôi không về": the others came back, not this one.
    _rule(
        r"\bve (?:roi|het|ca roi|het roi) ma (?:\w+ ){0,3}(?:khong|chua|van chua) (?:thay )?ve\b"
    ),
    _rule(r"\bkhong (?:thay|tim thay|tim duoc) (?:\w+ ){1,3}dau\b"),
    # An old parent with dementia who wandered off: "bố tôi bị lẫn, ra khỏi nhà chưa về".
    _rule(
        r"\bbi lan\b(?:\W+\w+){0,8}?\W+(?:chua ve|khong ve|di lac|lac|khong biet duong"
        r"|ra khoi nha|di dau)\b"
    ),
]
_MISSING_EN = [
    re.compile(
        r"\b(?:(?:is|are|went|gone|has been|have been|reported|still) missing|missing (?:child"
        r"|person"
        r"|daughter|son|sister|brother|wife|husband|girl|boy|kid|mother|father|since|for)"
        r"|disappeared|vanished|ran away|run away|runaway"
        r"|can'?t (?:reach|contact|find) (?:her|him|them|my)|cannot (?:reach|contact"
        r"|find) (?:her|him|them|my)"
        r"|lost contact|no (?:news|contact|word) from|(?:nobody|no one|noone) (?:has )?heard from"
        r"|(?:not|stopped|isn'?t|hasn'?t been|has not been) (?:answering|replying|picking up"
        r"|responding|calling)"
        r"|haven'?t heard from|(?:have|has|had) not heard from|not heard (?:anything )?from"
        r"|(?:hasn'?t|didn'?t|did not|has not|never) (?:come|came|returned"
        r"|got) (?:home|back)"
        r"|went (?:off |away )?with (?:a stranger|someone|a man|a guy)|left with (?:a|an|some) \w+"
        r"|never arrived|(?:number|phone) (?:doesn'?t|does not|don'?t) work|last (?:message"
        r"|call|seen) was|got lost|is lost)\b"
    )
]

# Explicitly a child: an age under 18, "bé", a school class... ("con gái tôi" alone may be 30).
# "Not home" alone is only alarming for a child ("bé đi học thêm không về"); an adult is late.
_NOT_HOME = re.compile(
    r"\b(?:khong|chua|van chua) (?:ve|ve nha|thay ve|den noi)\b(?! muon| tre)"
    r"|\btim (?:\w+ ){0,4}(?:khong|chua|van chua) (?:thay|ra)\b"
    r"|\bbi mat (?:o|tai|trong|khi|luc|tu)\b"
    r"|\b(?:bi lac|di lac|lac duong|lac mat)\b|\b(?:got|is|was) lost\b"
    r"|\blac (?:o|tai|trong|giua|khi|luc|me|bo|gia dinh)\b|\b(?:tre|be|con|chau) (?:bi )?lac\b"
    r"|\bmat (?:con|chau|be)\b(?=.*\b(?:giup|cuu|tim|o dau|dau roi)\b)"
    r"|\bmat (?:con|chau|be)(?: \w+)? (?:o|tai|trong) (?:cho|sieu thi|cong vien|ben xe|hoi cho"
    r"|le hoi|bai bien|trung tam|san bay|nha ga|ga|dam dong|khu vui choi)\b"
)
# Calls go unanswered: with "not home", an adult is missing too ("ra chợ rồi không về, điện
# thoại không nghe").
_NO_ANSWER = re.compile(
    r"\b(?:dien thoai|dt|sdt|may|goi|nhan tin|zalo|facebook|fb)(?: \w+){0,2} (?:khong|chang"
    r"|cung khong|van khong) (?:ai )?(?:nghe|bat|tra loi|lien lac duoc|duoc|lien lac)\b"
)
_CHILD = re.compile(
    r"\b(?:(?:1[0-7]|[2-9]) ?(?:tuoi|t)|be|be gai|be trai|chau be|dua be|con nho|tre em|tre con"
    r"|dua tre|thieu nien|vi thanh nien|hoc sinh|hs|lop (?:[1-9]|1[0-2])|dang di hoc|tron hoc"
    r"|(?:1[0-7]|[4-9]) ?(?:years?[- ]?old|yo|y/o|yr)|(?:is|aged|age|only) (?:1[0-7]|[4-9])"
    r"|(?:moi|chi|co|duoi) (?:1[0-7]|[4-9])(?! (?:tr|trieu|k|nghin|ngan|tieng|gio|ngay|nam|thang))"
    r"|(?:daughter|son|kid|child|girl|boy|con gai|con trai|chau gai|chau trai|em gai|em trai)"
    r" (?:is |la |moi |chi |nam nay )?(?:1[0-7]|[4-9])\b(?! (?:tr|trieu|k|nghin|ngan|tieng|gio"
    r"|ngay|nam|thang|h|km|usd|phut|lan|nguoi|gio)\b)"
    r"|child|children|kid|kids|boy|girl|teen"
    r"|teenager|minor|underage|schoolgirl|schoolboy|little (?:brother|sister)|baby)\b"
)
# "My daughter / son" is a child when the message is about leaving home, school or play.
_OWN_CHILD = re.compile(
    r"\b(?:con (?:gai|trai)?(?: toi| em| minh| nha| tui)?|chau (?:gai|trai)|daughter|son)\b"
    r"(?:\W+\w+){0,8}?\W+(?:bo nha|bo di|di hoc|tron|di choi|di theo|ran away|left home"
    r"|school|with a stranger|left with)\b"
)
# A child's age said outright: a child lured onto a motorbike is not a lost motorbike.
_CHILD_AGE = re.compile(
    r"\b(?:(?:1[0-7]|[2-9]) ?(?:tuoi|t)|(?:1[0-7]|[4-9]) ?(?:years?[- ]?old|yo))\b"
)
_INVITE = [_rule(r"\bmoi\b", "mời")]
_ADULT = re.compile(r"\b(?:(?:1[89]|[2-9]\d) ?(?:tuoi|t|years?[- ]?old|yo))\b")

_ORGAN = [
    _rule(
        r"\b(?:mua|hien|lay|ghep|cat|thu mua|can mua|tuyen|hoi mua|ban di|ban bot|cho|donate)"
        r" (?:1 |mot )?(?:qua |cai |bot |ben |phan |mieng )?(?:than|gan|noi tang|giac mac|tuy)\b"
        r"(?! (?:heo|lon|bo|ga|cuu|vit|trau|ngan|ngong)\b)"
        r"|\bban (?:1 |mot )?(?:qua |cai |bot |ben |phan |mieng )?(?:than|gan|noi tang|giac mac"
        r"|tuy)\b(?! (?:heo|lon|bo|ga|cuu|vit|trau|ngan|ngong)\b)"
        # "ban than mk đi phỏng vấn": bạn thân (best friend) typed bare.
        r"(?! (?:toi|minh|mk|em|e|anh|chi|cua|tui|t|nhat|thiet|cap|oi|ay|no|di|bi|tu|vua|da"
        r"|dang)\b)",
        "bán thận",
    ),
    _rule(r"\b(?:1|mot) (?:qua|ben|trai) than\b", "quả thận"),
    _rule(r"\b(?:noi tang|bo phan co the|giac mac|hien tang|nguoi hien tang|hien noi tang)\b"),
    _rule(r"\bthan (?:gia|voi gia|duoc|khoang|tam) (?:\d|may|bao)", "thận"),
]
_ORGAN_EN = [
    re.compile(
        r"\b(?:kidneys?(?! beans?| stones?| infection| disease| transplant| failure| dialysis"
        r"| function| patient| cancer| pain| test)|organs? (?:trade|sale|buyer"
        r"|broker|traffick\w*)|sell (?:my|a|your|his|her|one) (?:kidney|liver|organ|body|blood)"
        r"|buy (?:a|my|your) (?:kidney|liver))\b"
    )
]
_SEX = [
    _rule(
        r"\b(?:ep|bat|bi ep|bi bat|bi lua|bi dua|bi ban|dua|ban) (?:\w+ ){0,4}"
        r"(?:ban dam|tiep khach|lam gai|di khach|mai dam|lam nghe|quan he voi khach|ngu voi khach"
        r"|di tiep|lam nhan vien massage kich duc)\b"
    ),
    _rule(r"\b(?:ep|bat|bi ep|bi bat) (?:\w+ ){0,3}(?:quan he|ngu voi|lam chuyen do)\b"),
    _rule(
        r"\b(?:ep|bat|bi ep|bi bat) (?:\w+ ){0,3}(?:livestream|live|chat|quay|show|nhay|khoa than"
        r"|cam)(?: \w+){0,2} (?:khoa than|nude|sex|sexy|khieu dam|nong|thoat y|cho khach|goi cam"
        r"|ho hang|lo hang)\b"
    ),
    # Held to be sold for sex: "bị 1 má mì ở Vũng Tàu giữ để làm gái gọi".
    _rule(
        r"\bgiu (?:\w+ ){0,2}(?:de |bat |ep )?(?:lam gai|ban dam|tiep khach|di khach|lam nghe)\b",
        "giữ",
    ),
    # "nhà chưa về" is someone not home yet, not "nhà chứa".
    _rule(
        r"\bchua (?:mai dam|ban dam)\b"
        r"|\bnha chua\b(?! (?:ve|co|duoc|biet|xong|ai|thay|tim|lien|nghe|goi|tra|den|toi))",
        "nhà chứa",
    ),
]
_SEX_EN = [
    re.compile(
        r"\b(?:forced (?:\w+ ){0,3}(?:sex|prostitution|to sleep with)|prostitut\w*|sex work"
        r"|sold (?:\w+ ){0,2}for sex|sleep with (?:customers|clients|men)|brothel"
        r"|(?:forced|made|make|force|forcing|making) (?:me|us|her|him|them )?(?:to )?(?:strip"
        r"|livestream naked|do (?:sex|nude|naked) (?:shows|cam|videos)|perform sex))\b"
    )
]
_RECRUIT = re.compile(
    r"\b(?:(?:doi|xin|gui|chup) anh (?:nong|nude|khoa than|sex|nhay cam)|doa (?:tung|dang"
    r"|phat tan) anh"
    r"|nudes?|sextort\w*|send (?:nude|naked) (?:photos|pictures|pics)"
    r"|(?:send|sending|sends) (?:\w+ )?(?:photos|pictures|pics|videos|selfies)"
    r"|asking (?:\S+ ){0,4}for (?:photos"
    r"|pictures|pics)|wants? to meet (?:her|him)|(?:asked|asks|asking|told|tells) (?:her|him)"
    r" to meet|meet (?:him|her|them|up) (?:secretly|alone|in secret)|gifts?|sends? (?:her|him) \w+"
    r"|doi gap|muon gap|gap mat|gap rieng|gap truc tiep|(?:gui|tang|cho) qua|nap (?:the|game)"
    r"|(?:se|sap|dinh|muon|bat|ep) (?:\w+ )?ga (?:\w+ ){0,4}cho"
    r"|tong tien|(?:clip|anh|video) nong|hoi cuoi|cuoi (?:\w+ ){0,3}cho|hua (?:cho|hen|se)"
    r"|promis\w*"
    r"|tung (?:anh|clip|video)|(?:gui|doi|xin) (?:\w+ )?(?:clip|video)|anh (?:khong mac|than the"
    r"|ho hang)|doa (?:dang|tung|phat tan|gui)|chia tay va tung|(?:du|ru|hen|keu|goi) (?:\w+ ){0,2}"
    r"(?:ra|di|den|toi) gap|ra gap rieng|di gap rieng"
    r"|ru|dua di|tuyen|nhan nuoi|lam mau|lam nguoi mau|idol|streamer|lam viec|di lam"
    r"|lam them|lay chong|ket hon|lay vo|lam vo|hoi mua|xuat khau|hen (?:\w+ )?(?:gap|ra|di|den)"
    r"|dan di|don di"
    r"|xin viec|viec nhe|du lich|sang (?:\w+ )?(?:choi|lam|du lich)|cho tien|free|mien phi"
    r"|recruit\w*|offer\w*|job|work abroad|modell?ing|marry|meet (?:up|in person)|invite\w*"
    r"|lure\w*|take (?:her|him) to|talent agency"
    r"|(?:asked|asks|asking|invited|told|tells|wants?|offered|convinc\w*|persuad\w*) (?:\w+ ){0,5}"
    r"to (?:come|go|work|travel|leave|move|join|live|meet)|(?:come|go) (?:and )?work"
    # "bảo qua Campuchia làm game thủ, bao vé xe": told to go and work there, travel paid.
    r"|(?:bao|noi|keu|ru|moi|du) (?:\w+ ){0,2}(?:qua|sang|di|ra) (?:\w+ ){0,2}lam"
    r"|bao (?:ve|ve xe|ve may bay|an o|an ngu|het chi phi|chi phi|tien ve|di lai)|groom\w*)\b"
)
_FOREIGNER = re.compile(
    r"\b(?:(?:la |toi la |em la )?nguoi (?:campuchia|lao(?! dong)|trung quoc|myanmar|thai lan|thai"
    r"|philippines|indonesia|nepal|an do|bangladesh|chau phi)|lao dong (?:campuchia|lao|trung quoc"
    r"|myanmar)|nguoi nuoc ngoai|lao dong nuoc ngoai|foreigner|foreign (?:worker|staff|employee"
    r"|labou?r)s?"
    r"|migrant worker|expat|i am from|i'm from|im from|(?:chinese|filipino|filipina|indonesian"
    r"|burmese|myanmar|cambodian|lao|laotian|nepali|nepalese|indian|bangladeshi|korean|thai"
    r"|african|nigerian|ugandan|kenyan|pakistani|sri lankan) (?:worker|workers|national|staff|girl"
    r"|woman|man|here|citizen|teacher|teachers|maid|nanny|fisherm[ae]n|women|men|people|friend)"
    r"|(?:i'?m|i am|im|we are|we'?re) (?:a |an )?(?:chinese|filipino|filipina|indonesian|burmese"
    r"|cambodian|lao|laotian|nepali|nepalese|indian|bangladeshi|korean|thai|african|nigerian"
    r"|ugandan|kenyan|pakistani|sri lankan|foreign)"
    r"|cambodians|laotians|filipinos|indonesians|nepalis|nigerians|ugandans|kenyans|pakistanis"
    r"|bangladeshis|africans|from (?:the )?(?:philippines|indonesia|myanmar|cambodia|laos"
    r"|china|nepal|india|bangladesh|korea|thailand|africa|nigeria|uganda|kenya|pakistan"
    r"|sri lanka))\b"
)
# Someone the message reports as lured or taken abroad: "mình bị lừa qua Cam".
_LURED = re.compile(
    rf"\b(?:{_PERSON})(?: (?!se\b|sap\b|chuan bi\b|co the\b)\w+){{0,2}} (?:bi lua|bi dua|bi ban"
    rf"|bi dan|bi du) (?:qua|sang|ra|di"
    rf"|vao)\b"
    r"|\b(?:lured|tricked|deceived|trafficked|sold|taken|brought) (?:\w+ ){0,2}(?:to|into|here)\b"
)
_WANT_HOME = re.compile(
    r"\b(?:muon ve|lam sao (?:de |de duoc )?ve|cho ve|duoc ve|ve nuoc|ve viet nam|ve vn|tro ve)\b"
    r"|\b(?:go home|get home|come home|come back|get out|go back to vietnam)\b"
)
_ABROAD_WORDS = re.compile(
    r"\b(?:(?<!nguoi )nuoc ngoai|xu nguoi|dac khu|song bac|casino|khu (?:lua dao|cong ty|kin)"
    r"|abroad"
    r"|overseas|compound|scam (?:company|center|centre))\b"
)
_IN_VIETNAM = re.compile(
    r"\b(?:(?:to|in|into) (?:viet ?nam|vn)|(?:o|tai|sang|den) (?:viet nam|vn)|here in vietnam)\b"
)
_HOME_WORDS = re.compile(r"\b(?:viet nam|vietnam|vn|trong nuoc|o nha)\b")
_QUESTION_ONLY = re.compile(
    r"\b(?:la gi|nghia la gi|the nao la|bi phat|phat bao nhieu|bao nhieu nam|dieu (?:luat )?\d+"
    r"|xu (?:the nao|ra sao)|toi danh|doc (?:bao|news|tin)|what is|what are|how do|how does"
    r"|penalty|law says)\b"
)
# Asking whether it is legal ("Bán thận có phạm pháp không?"): a question about the law, unless
# someone is offering it to the writer ("có người hỏi mua thận của em, có phạm pháp không").
_LEGALITY = re.compile(
    r"\b(?:xu ly (?:the nao|ra sao|nhu the nao)|pham phap|hop phap|vi pham phap luat"
    r"|luat (?:noi|quy dinh) (?:gi|sao|the nao)|illegal|is (?:it|that|this) (?:legal|a crime)"
    r"|against the law)\b"
)
# The writer means to do it themselves ("e tính bán để trả nợ"): not a question about the law.
_INTENT = re.compile(
    r"\b(?:em|toi|minh|tui|chi|anh|co|ban) (?:\w+ )?(?:tinh|dinh|muon|can|phai|nen|co nen)\b"
    r"|\b(?:should i|i want to|i need to|going to)\b"
)
# A story, a game, a joke or a pet: crisis words that are not a crisis now.
_NOT_REAL = re.compile(
    r"\b(?:phim|movie|film|truyen|tieu thuyet|nhan vat|tac pham|van hoc|bai van|phan tich"
    r"|man choi|clip|haha|hihi|hehe|lol|lmao|giet thoi gian|kill(?:ing)? time"
    r"|bai tap|deadline|homework|mon toan|mon hoa|mon ly|de thi|bai kiem tra|excel|escape room"
    r"|kkk|bai hat|beatles|thriller|netflix|(?:man|level|lv|round|ai) \d+|com (?:bi )?khet|bi khet"
    r"|khet (?:roi|r|het|nhe)|nau (?:com|an|canh|nuong|che)|bi hack|hack (?:mat|acc|nick)"
    r"|acc game|free ?fire|lien quan mobile|pubg|lmht|chi dua thoi|dua thoi ma|just kidding"
    r"|joking)\b|,\s*dua thoi\b|😂|🤣|=\)\)|:\)\)"
)
# Pets and things go missing too: "con chó đi lạc", "chìa khóa xe mất tích", "mất ví".
_THING = re.compile(
    r"\b(?:con meo|con cho|con ga|con vit|con bo|con heo|meo|cun|thu cung|pet|cho nha|meo nha"
    r"|poodle|corgi|husky|becgie|pug|chihuahua|(?:my|our|the)"
    r" (?:cat|dog)|kitten|puppy|vet|xe may|chia khoa|cai vi|vi tien|mat vi|tui xach"
    r"|giay to xe|the atm|dong ho|kinh|hanh ly|do dac|bi trom|package|parcel|delivery|order"
    r"|luggage|wallet|keys|don hang|buu kien|goi hang|mat khau|password|cap sach|ba lo|balo"
    r"|sach vo|laptop|may tinh|xe dap|school ?bag|backpack"
    # A phone dropped or forgotten ("làm rơi đt ở quán cafe"); not "lấy mất điện thoại".
    r"|(?:dt|dien thoai)(?: \w+){0,2} (?:bi )?(?:roi|rot) (?:o|tren|trong|mat|dau)"
    r"|(?:lam |danh )?(?:roi|rot|bi roi|bi rot) (?:mat )?(?:dt|dien thoai)"
    r"|(?:bo )?quen (?:dt|dien thoai) (?:o|tai|tren)"
    r"|(?:lost|dropped|left) my phone)\b"
)
# A definition asked for: "What is debt bondage?", "cưỡng bức lao động là gì".
_DEFINITION = re.compile(
    r"^\W*(?:what is|what's|what are|what does|define|meaning of|is it legal|is it allowed"
    r"|is it a crime|can (?:an|my|the) (?:employer|boss|company|agency) (?:legally )?(?:keep|hold"
    r"|take))\b|\b(?:la gi|nghia la gi|la j"
    r"|the nao la|hieu the nao)\W*$"
    # "Công ty có được giữ hộ chiếu của người lao động không?": a question about the rule.
    r"|\bco (?:duoc|duoc phep|quyen) (?:giu|thu|cam|tich thu) (?:ho chieu|giay to|can cuoc|cccd)\b"
    # "... is that legal in Vietnam?", "... có phạm pháp không?": the rule asked about.
    r"|\bis (?:that|this|it) (?:legal|illegal|allowed|a crime|against the law)\b"
    r"|\b(?:co )?(?:hop phap|pham phap|trai phap luat|dung luat|trai luat) (?:khong|ko|k)\b"
)
# A pet shut in a wardrobe is no person held.
_PET = re.compile(
    r"\b(?:con meo|con cho|con cun|meo nha|cho nha|meo|cun|thu cung|pet|my (?:cat|dog)"
    r"|the (?:cat|dog)"
    r"|kitten|puppy)\b"
)
# A harmless reason for being shut in: "bị nhốt trong nhà cả tuần vì mưa".
# Donation after death, registered lawfully, is not organ trade.
_LAWFUL_DONATION = re.compile(
    r"\b(?:sau khi (?:mat|chet|qua doi)|dang ky hien|chet nao|after (?:i die|death)"
    r"|registered (?:organ )?donor|donor card"
    # Giving a kidney to one's own family, unpaid: lawful (Luật số 75/2006/QH11).
    r"|(?:hien|cho) (?:\w+ )?(?:than|gan|tuy|giac mac|tang) cho (?:nguoi nha|nguoi than|bo|me|ba"
    r"|anh|chi|em|con|vo|chong|ong|chau|anh trai|chi gai|em trai|em gai)\b"
    r"|(?:donate|give) (?:a |my )?(?:kidney|liver|organ) to (?:my|a family))\b"
)
# Money named: a "donation" paid for is a sale.
_PAID = re.compile(
    r"\b(?:\d[\d.,]* ?(?:tr|trieu|ty|ti|k|usd|do|\$)|tien|gia|tra (?:\w+ )?(?:tien|\d)|ho tro \d"
    r"|money|paid|pay|price|dollars?)\b|\$ ?\d"
)
_BENIGN_CAUSE = re.compile(
    r"\bvi (?:mua|troi mua|mua bao|bao|lu|ngap|dich|covid|benh|om|cach ly|quen chia khoa"
    r"|mat chia khoa|bi phat|hoc|thi|ba me|bo me|me|bo|diem kem|lam bai)\b"
    r"|\b(?:quarantine|because of the rain|snowed in|lockdown)\b"
    # A train, a flight or goods held up: "tàu SE1 bị giữ lại ở ga Vinh".
    r"|\b(?:tau|tau hoa|chuyen bay|may bay|lo hang|hang|container|buu kien|xe (?:cua )?(?:toi|em"
    r"|minh))(?: \w+){0,2} bi (?:giu|tam giu|giu lai|hoan)\b"
    # "Giải cứu nông sản": buying up a glut of farm produce, a national habit, not a rescue.
    r"|\bgiai cuu (?:\w+ )?(?:nong san|dua hau|thanh long|vai|hanh|toi|ca chua|khoai|rau|trai cay"
    r"|chuoi|mit|cam|buoi|na|xoai|dua|hang|nong dan|ba con)\b"
    # Minutes late, or free to quit tomorrow: an ordinary day.
    r"|\bve muon (?:\d+ |mot chut |chut |ti |xiu )?(?:phut|chut|ti|xiu)\b"
    r"|\b(?:mai|sap|se|xin|vua) nghi viec\b|\b(?:lam them gio|tang ca)\b(?! (?:khong cong|ko cong"
    r"|khong luong|khong tra))"
)
# Back home already (a returnee asking about support): the past is not a crisis now.
_BACK_HOME = re.compile(
    r"\b(?:gio (?:da )?ve (?:roi|nuoc|nha)|da ve (?:nuoc|nha|roi)|ve nuoc (?:roi|duoc)"
    r"|(?:tung|da tung) bi|truoc day|nam truoc|duoc giai cuu|vua duoc cuu"
    r"|nho lai|hoi (?:truoc|do|xua|ay)|luc truoc|nam ngoai|ngay truoc|nhung nam o"
    r"|(?:tro ve|moi ve|vua ve|ve duoc) (?:sau|tu|nha|nuoc|roi|thang|tuan|nam|hom)"
    r"|(?:roi|da|sau do) (?:tro )?ve(?: nha| nuoc| que)?(?=\W*$|,|\.| \w+ (?:hang xom|xau ho"
    r"|buon|so))"
    r"|duoc dua ve|duoc (?:tra|trao) ve|(?:tu khi|sau khi) (?:duoc )?(?:ve|tro ve|dua ve)"
    r"|(?:tu khi|tu luc|ke tu khi|ke tu luc|tu hoi|sau khi) (?:\w+ ){1,7}(?:ve|tro ve)\b"
    # Neighbours gossiping about what happened: she is home, afraid of talk (a returnee).
    r"|(?:hang xom|lang xom|ca xom|moi nguoi|ai cung|nguoi ta|ho hang|ban be) (?:\w+ ){0,2}"
    r"(?:ban tan|di nghi|xi xao|noi ra noi vao|coi thuong|khinh|xa lanh|chi tro|noi xau|chui)"
    # ("gọi về", "nhắn về", "gửi về" are a call, a message or money sent home, not a return.)
    r"|(?:sang|qua|o|ben|tu|khoi) (?:\w+ ){1,3}(?<!goi )(?<!nhan )(?<!gui )(?<!nhan tin )"
    r"(?:ve|tro ve)(?=\s*(?:[,.!?]|$)| (?:no|thi|nhung|roi|gio|ma|lai|bi|vay|mang)\b)"
    r"|(?:da |vua )?tron ve (?:duoc|dc|roi|nha|nuoc|vn|viet nam)"
    r"|since (?:i|she|he) (?:came|got) back|after (?:returning|coming back)"
    r"|now back|back (?:home|in vietnam)|years ago|came back|returned home|was rescued"
    r"|used to be)\b"
)
# "bài tập khó quá muốn chết luôn": a figure of speech beside homework or a game, unless firm.
_HYPERBOLE = re.compile(r"\b(?:muon chet|chet mat|chet luon|chet di duoc|chet that)\b")
_SUICIDE_FIRM = re.compile(
    r"\b(?:tu tu|tu sat|quyen sinh|nhay (?:cau|lau|song)|cat tay|cua tay|rach tay|uong thuoc"
    r"|treo co|khong muon song|chan song)\b"
)
_NOW = re.compile(r"\b(?:dang|bay gio dang|van dang|ngay bay gio|right now|now they|still)\b")
# Asking what to do if it ever happens: "nếu con mình bị lừa bán thì...".
_HYPOTHETICAL = re.compile(r"\b(?:neu|gia su|lo (?:la|rang)|phong khi|if|what if|in case)\b")


# Someone in danger speaking of now: "em đang bị...", "cứu", "họ nhốt tôi", "help me".
_PERSONAL_NOW = re.compile(
    rf"\b(?:cuu|sos|{_ME}(?: \w+){{0,2}} (?:dang )?bi|dang bi|bi (?:nhot|giam|danh|giu) (?:o"
    rf"|tai|trong)"
    rf"|(?:nhot|giu|danh|canh) {_ME}|help (?:me|us)|right now|they (?:locked|took|keep|beat"
    rf"|hit) (?:me|us|my))\b"
)


def _readings(text: str) -> tuple[str, str]:
    """The folded text with teencode expanded, and folded as typed ("a man" stays English)."""
    return fold(normalize(text).text), fold(for_matching(text).text)


def mentions_held(text: str) -> bool:
    """Whether someone is kept somewhere, locked in or beaten (not only threatened)."""
    return any(_CONFINED.search(t) for t in _readings(text))


def speaks_of_now(text: str) -> bool:
    """Whether a message tells of danger to the writer or someone now, not an offer's terms.

    The offer check asks about an offer ("công ty sẽ giữ hộ chiếu"): there only this counts.
    """
    return any(_PERSONAL_NOW.search(t) for t in _readings(text))


def _hits(rules: list[_Rule], folded: str, marked: str) -> bool:
    """Whether a rule matches where the typed marks agree with its marked words."""
    return _first(rules, folded, marked) >= 0


def _first(rules: list[_Rule], folded: str, marked: str) -> int:
    """Where the earliest agreeing match starts (-1: none)."""
    best = -1
    for rule in rules:
        for m in rule.pattern.finditer(folded):
            if _marks_agree(rule.marked, folded, marked, m.start(), m.end()):
                best = m.start() if best < 0 else min(best, m.start())
                break
    return best


def _marks_agree(words: tuple[str, ...], folded: str, marked: str, start: int, end: int) -> bool:
    """Each marked word found in the span must be typed with a subset of its marks."""
    for word in words:
        bare = fold(word)
        at = folded.find(bare, start, end)
        if at >= 0 and not accents_subset(marked[at : at + len(bare)], word):
            return False
    return True


def _search(patterns: list[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


# What stands just before a country name says its role: where the person is now...
_AT = re.compile(
    r"(?:\b(?:o|tai|ben|trong|in|at|inside|stuck in|trapped in|held in|locked in|dang o|hien o"
    r"|van o|dang ket o|bi giu o|bi nhot o|bi ban o|lam o|lam viec o|now in)\s*(?:\S+\s+){0,2})$"
)
# ... where they come from ("I'm from Myanmar", "tôi là người Campuchia") ...
_FROM = re.compile(r"\b(?:from|nguoi|quoc tich|citizen of|national of)\s*$")
# ... or where someone plans to take them (or recruits them): then they are still here.
_WILL_TAKE = re.compile(
    r"\b(?:se|sap|chuan bi|dinh|mai|sang mai|toi nay|dem nay|ngay mai|tomorrow|tonight|going to"
    r"|will|about to|plan to|gonna)(?: \S+){0,4} (?:dua|dan|ban|cho|chuyen|don|dem|qua|sang|gia"
    r"|take|send|sell|move|bring|ship)\b"
    r"|\bwants? (?:me|us|her|him|them) to (?:go|come|travel|fly|move)\b|\bnext (?:week|month)\b"
    r"|\b(?:tuan|thang) (?:sau|toi)\b"
    r"|\b(?:mai|sap|sang mai|toi nay|dem nay|tuan sau|thang sau|chuan bi) (?:\w+ )?(?:di|bay"
    r"|xuat canh|len duong|khoi hanh|len may bay)\b"
    r"|\b(?:tuyen|ru|ru re|recruit\w*|offer\w*|muon dua|want to take)\b"
    # Still deciding whether to go: "... đưa sang Trung Quốc mổ, có nên đi không".
    r"|\b(?:co nen di|nen di khong|co nen nhan|should i go|should i accept)\b"
    r"|\b(?:dua|ep|ban|cho|qua|sang|take|send)(?: \S+){0,3} (?:toi nay|dem nay|ngay mai|sang mai"
    r"|mai|tonight|tomorrow)\b"
)
# Asked to go there ("asking my 12 year old son to meet him and go to Cambodia"): not there yet.
_ASKED_TO_GO = re.compile(
    r"\b(?:asking|asked|asks|invited|invites|told|tells|offered|offers|wants?) (?:\w+ ){0,6}to"
    r" (?:\w+ ){0,4}(?:go|come|travel|fly|move)(?: with \w+)? to\s*$"
)
# Promised a job there ("hứa cho em đi làm mẫu ở TQ"), unless they have arrived since.
_PROMISED = re.compile(r"\b(?:hua|hua hen|hen|promis\w*)\b")
_ARRIVED = re.compile(
    r"\b(?:sang (?:toi|den) noi|toi noi|den noi|sang den|sang toi|arrived|got there)\b"
)
# A movement just before the country: "sang Campuchia", "bị bán qua Trung Quốc".
_SAID_GO = re.compile(
    r"(?<!nghe )\b(?:noi|bao|hua|keu|said|say|says|told)\b(?: \w+){0,2} (?:sang|qua|di|den)\s*$"
)
# A job offered there ("bảo đi làm phục vụ ở TQ"): where the work would be, not where one is.
_OFFERED_THERE = re.compile(
    r"\b(?:bao|noi|hua|ru|moi|keu|tuyen|gioi thieu|xin cho|offer\w*|told|asked)\b(?: \w+){0,5}"
    r" (?:di |sang |qua |to )?(?:lam|work)\b(?: \w+){0,4} (?:o|tai|ben|in|at)\s*$"
)
# Invited or recruited to go there ("mời đi làm mẫu ảnh sang Thái Lan"): not gone yet.
_INVITED_GO = re.compile(
    r"\b(?:moi|ru|ru re|du|du do|hua|tuyen|xui|gioi thieu|invite\w*|recruit\w*)\b(?: \S+){0,7}"
    r" (?:sang|qua|di|den|ra|to)\s*$"
)
# A bare "cam" is Cambodia only after a place word ("qua cam", "o cam"): "cam dao" is cầm dao.
_CAM_CUE = re.compile(
    r"\b(?:o|tai|ben|sang|qua|di|den|toi|vao|tu|khoi|xu|nuoc|ve|lam|in|to|dang o|bi ban)\s*$"
)
# "Why are people resold between companies?": a question about others, not a cry for help.
_WHY = re.compile(r"^\W*(?:tai sao|vi sao|why (?:do|are|is|would|does|did)|how come)\b")
_WRITER = re.compile(rf"\b(?:{_ME}|my|me|i|we|our|us)\b")
# Someone took the person away ("có người lạ chở đi bằng xe máy"): the vehicle is no lost thing.
_TAKEN_BY = re.compile(
    r"\b(?:nguoi la|ke la|ai do|(?:1|mot) (?:nguoi|thang|ong|ga|ba)|may nguoi|bon|ho)"
    r" (?:\w+ ){0,2}(?:cho|dua|bat|dan|keo|loi|be|bong|don)\b"
)
# "... bảo sang Campuchia làm việc, giờ em đang ở bên đó": gone there since, there now.
_THERE_NOW = re.compile(
    r"\b(?:dang|hien|van|gio|bay gio|hien dang|gio dang) (?:dang )?o (?:ben do|ben kia|do)\b"
    r"|\b(?:i am|i'?m|we are|we'?re) (?:still )?there now\b"
)
# A bare "ở Cam", "bên Cam" the tables leave out ("bên Cam giữ passport"): Cambodia.
_CAM_PLACE = re.compile(
    r"\b(?:o|ben|sang|qua|tai|xu|lam ben|dang o) cam\b(?! (?:on|ket|thay|giac|nhan))"
)
_WORK_EN = re.compile(
    r"\b(?:work\w*|job|employer|boss|factory|salary|wages?|paid|passport|agency|company|contract"
    r"|debt|visa|overtime|scam people|fishing boat|massage|teacher|maid)\b"
)
_EN_SELF = re.compile(r"\b(?:i|i'm|im|me|we|us)\b")
_WENT = re.compile(r"\b(?:sang|qua|di|den|toi|vao|went to|go to|gone to)\s*$")
_AT_BORDER = re.compile(
    r"\b(?:o|tai|dang o|gan|near|at) (?:cua khau|bien gioi|border gate|the border|don bien phong)\b"
)


def _where(text: str, entities: list[dict[str, Any]], folded: str) -> tuple[Where, str | None]:
    """Where the person in danger is: a country is abroad only when they are there now."""
    plain = for_matching(text)
    bare = fold(plain.text)  # English as typed: "will" is not squashed to "wil"

    def seen(pattern: re.Pattern[str]) -> bool:
        return bool(pattern.search(folded) or pattern.search(bare))

    if seen(_IN_VIETNAM):
        # "brought to Vietnam from Laos": the person is here, whatever country is named.
        return Where.VIETNAM, None
    if not any(e.get("entity") == "country" for e in entities):
        cam = _CAM_PLACE.search(fold(text.lower()))
        if cam is not None:
            # "bên Cam giữ passport": the tables leave "cam" before "giữ" out (cấm giữ).
            at = cam.end() - 3
            entities = [
                *entities,
                {"entity": "country", "value": "Campuchia", "start": at, "end": at + 3},
            ]
    here = any(e.get("entity") == "province" for e in entities) or seen(_HOME_WORDS)
    at_abroad: list[str] = []
    elsewhere: list[str] = []
    going: list[str] = []
    went: list[str] = []
    for e, before, sentence in _countries_named(text, plain, entities):
        if seen(_THERE_NOW):
            went.append(str(e.get("value")))
            at_abroad.append(str(e.get("value")))
            continue
        if (
            (_INVITED_GO.search(before) and not seen(_ARRIVED) and not seen(_NOW))
            or _WILL_TAKE.search(before)
            or _SAID_GO.search(before)
            or (_OFFERED_THERE.search(before) and not seen(_ARRIVED))
            or (_ASKED_TO_GO.search(sentence) and not seen(_ARRIVED) and not seen(_NOW))
            or (_PROMISED.search(sentence) and not seen(_ARRIVED))
        ):
            # "họ nói sẽ gả em cho một ông bên Trung Quốc": where they plan to take her.
            going.append(str(e.get("value")))
            continue
        if _WENT.search(before):
            # "em sang Campuchia làm việc, giờ họ thu hộ chiếu": gone there, so there now.
            went.append(str(e.get("value")))
        (at_abroad if _AT.search(before) else elsewhere).append(str(e.get("value")))
    if at_abroad:
        return Where.ABROAD, at_abroad[0]
    if elsewhere:
        # Taken there already ("bị bán sang Trung Quốc"): abroad, whatever place is named after
        # (Hà Nam is also a Chinese province). About to be taken: still here, 113 works.
        if seen(_LURED):
            return Where.ABROAD, elsewhere[0]
        if seen(_WILL_TAKE):
            return Where.VIETNAM, None
        if went:
            return Where.ABROAD, went[0]
        if seen(_AT_BORDER):
            # "ở biên giới Campuchia": either side; both sets of numbers.
            return Where.UNKNOWN, elsewhere[0]
        if here:
            return Where.VIETNAM, None
        return Where.ABROAD, elsewhere[0]
    # A province named beats "casino" or "compound": there are casinos in Quảng Ninh too.
    if here or going:
        return Where.VIETNAM, None
    abroad = _ABROAD_WORDS.search(folded) or _ABROAD_WORDS.search(bare)
    if abroad is not None:
        before = abroad.string[max(0, abroad.start() - 80) : abroad.start()]
        offered = _INVITED_GO.search(before) or _OFFERED_THERE.search(before)
        if offered and not seen(_ARRIVED) and not seen(_NOW) and not seen(_LURED):
            # "mời học sinh lớp 9 đi làm ở nước ngoài": the offer is for abroad; they are here.
            return Where.VIETNAM, None
        return Where.ABROAD, None
    return Where.UNKNOWN, None


def _countries_named(
    text: str, plain: Normalized, entities: list[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Foreign countries named as places, with the folded words before each (and its sentence).

    Skipped: a country named as where someone comes from ("I'm from Myanmar"), and a bare
    "cam" with no place word before it ("mk dang cam dao lam": cầm, holding, not Cambodia).
    """
    for e in entities:
        if e.get("entity") != "country" or e.get("value") == VIETNAM:
            continue
        start = int(e.get("start", 0))
        # The folded text just before the name, from the cleaned text's offset map.
        idx = next((i for i, s in enumerate(plain.starts) if s >= start), len(plain.text))
        before = fold(plain.text[max(0, idx - 40) : idx])
        # A promise reaches further back: "hứa cho em gái 15 tuổi việc bán hàng lương cao ở...".
        sentence = re.split(r"[.!?\n]", fold(plain.text[max(0, idx - 120) : idx]))[-1]
        surface = text[start : int(e.get("end", start))]
        if _FROM.search(before) or (surface.lower() == "cam" and not _CAM_CUE.search(before)):
            continue
        yield e, before, sentence


def _destination(text: str, entities: list[dict[str, Any]]) -> str | None:
    """The first foreign country named, unless as where someone comes from."""
    for e, _, _ in _countries_named(text, for_matching(text), entities):
        return str(e.get("value"))
    return None


def place(text: str, entities: list[dict[str, Any]] | None = None) -> tuple[Where, str | None]:
    """Where the person a message speaks of is now, and the country if abroad or unclear."""
    if entities is None:
        entities = extract(text)
    return _where(text, entities, _readings(text)[0])


def detect(text: str, entities: list[dict[str, Any]] | None = None) -> Crisis | None:
    """The crisis a message shows, or None. `entities` are the NLU's (extracted if not given)."""
    marked = normalize(text).text
    folded = fold(marked)
    # The same text without teencode expansion: English "a man" must not become "anh man".
    plain = fold(for_matching(text).text)
    lowered = plain

    def seen(pattern: re.Pattern[str]) -> bool:
        return bool(pattern.search(folded) or pattern.search(plain))

    not_real = seen(_NOT_REAL)
    past = seen(_BACK_HOME) and not seen(_NOW)
    at = _first(_HELD, folded, marked)
    held = (
        (at >= 0 or _search(_HELD_EN, lowered))
        and not not_real
        and not seen(_BENIGN_CAUSE)
        and not seen(_PET)
        # "What is debt bondage?" asks for a definition; nobody says they are held.
        and not (seen(_DEFINITION) and not seen(_PERSONAL_NOW))
    )
    # "tại sao người ta bị bán qua lại giữa các công ty?": a question about others.
    general = seen(_WHY) and not seen(_WRITER) and not seen(_SOMEONE_CLOSE)
    if general:
        held = False
    # "nếu con mình bị lừa bán thì..." asks what to do if it happens; "dọa giết nếu em báo" is now.
    maybe = _HYPOTHETICAL.search(folded)
    if held and (past or (maybe is not None and maybe.start() < max(at, 0) + 1 and not seen(_NOW))):
        held = False
    child = (seen(_CHILD) or seen(_OWN_CHILD)) and not seen(_ADULT)
    if (
        not held
        and not not_real
        and (seen(_SIGHTING) or (seen(_CRYING_IN_VEHICLE) and seen(_STRANGERS)))
    ):
        held = True
    suicide = (
        _hits(_SUICIDE, folded, marked)
        or _search(_SUICIDE_EN, lowered)
        or (seen(_HIGH_PLACE) and seen(_DESPAIR))
    )
    if suicide and not_real and seen(_HYPERBOLE) and not seen(_SUICIDE_FIRM):
        suicide = False
    lured = not past and not general and (seen(_LURED) or seen(_WANT_HOME))
    organ = _hits(_ORGAN, folded, marked) or _search(_ORGAN_EN, lowered)
    sex = (_hits(_SEX, folded, marked) or _search(_SEX_EN, lowered)) and not past
    missing = (
        (
            _hits(_MISSING, folded, marked)
            or _search(_MISSING_EN, lowered)
            or (seen(_NOT_HOME) and seen(_NO_ANSWER))
        )
        and not not_real
        and not (seen(_THING) and not seen(_CHILD_AGE) and not seen(_TAKEN_BY))
    )
    # "nó dọa tung ảnh nóng nếu không chuyển 20 triệu": a crime under way against the writer,
    # not only a question about sextortion; a child's case is the recruited-child answer below.
    # (A 'clip' is no story here: 'dọa phát tán clip nhạy cảm' is the threat itself.)
    extorted = (
        seen(_EXTORT_THREAT)
        and seen(_INTIMATE)
        and not seen(_STORY)
        and not past
        # "tống tiền bằng ảnh nhạy cảm bị phạt thế nào" asks about the law, nobody is threatened.
        and not ((seen(_QUESTION_ONLY) or seen(_LEGALITY)) and not seen(_WRITER))
    )
    if not (held or suicide or lured or organ or sex or missing or child or extorted):
        return None  # nothing to place: most messages stop here, before the entities
    if entities is None:
        entities = extract(text)
    where, country = _where(text, entities, folded)
    if past and where == Where.ABROAD:
        where, country = Where.VIETNAM, None
    if missing and not held and where != Where.ABROAD and not past:
        # "anh trai bảo qua Campuchia làm casino, giờ mất liên lạc": gone there, most likely;
        # the family's card has both sets of numbers and that country's missions.
        dest = _destination(text, entities)
        if dest is not None:
            where, country = Where.ABROAD, dest
    if held and not past and where != Where.ABROAD and seen(_RANSOM) and about_someone_else(text):
        # "con trai tôi sang Campuchia làm việc, giờ có người đòi tiền chuộc": the family is at
        # home, the one held is where he went.
        dest = _destination(text, entities)
        if dest is not None:
            where, country = Where.ABROAD, dest
    found: list[CrisisKind] = []
    if suicide:
        found.append(CrisisKind.SUICIDE)
    if where == Where.ABROAD and (held or lured):
        found.append(CrisisKind.ABROAD)
    # Writing in English of oneself held or unpaid in a place of Viet Nam: most likely a foreign
    # worker (with no place named, it may be a Vietnamese abroad: the general answer stays).
    english_self = guess_language(text) == "en" and _EN_SELF.search(lowered) is not None
    here_en = english_self and where == Where.VIETNAM and _WORK_EN.search(lowered) is not None
    if held and (seen(_FOREIGNER) or here_en) and where != Where.ABROAD:
        found.append(CrisisKind.FOREIGN_WORKER)
    if sex:
        found.append(CrisisKind.FORCED_SEX)
    thing = seen(_THING) and not seen(_CHILD_AGE) and not seen(_TAKEN_BY)
    if child and not missing and seen(_NOT_HOME) and not not_real and not thing:
        missing = True
    if missing and child:
        found.append(CrisisKind.MISSING_CHILD)
    if held or (extorted and not child):
        found.append(CrisisKind.DANGER_NOW)
    # "mời" (invite) is a lure word; "mới" (only, just) typed with its mark is not.
    invited = _hits(_INVITE, folded, marked)
    if child and not missing and (seen(_RECRUIT) or invited) and (seen(_SOMEONE) or invited):
        found.append(CrisisKind.CHILD_RECRUITED)
    asks_law = seen(_QUESTION_ONLY) or (seen(_LEGALITY) and not seen(_SOMEONE))
    lawful = seen(_LAWFUL_DONATION) and not seen(_PAID)
    if organ and (seen(_INTENT) or not asks_law) and not lawful:
        found.append(CrisisKind.ORGAN_SALE)
    if missing and not child and not seen(_OUT_DRINKING):
        found.append(CrisisKind.MISSING_PERSON)
    if not found:
        return None
    order = list(CrisisKind)
    found.sort(key=order.index)
    primary = found[0]
    if (
        primary == CrisisKind.CHILD_RECRUITED
        and where == Where.ABROAD
        and not held
        and not seen(_LIVES_THERE)
    ):
        # "mời đứa em 14 tuổi đi làm người mẫu ở Thái Lan", "ép lấy chồng bên Trung Quốc, tuần
        # sau họ sang đón": the country is where the child would be taken; the child is here.
        where, country = Where.VIETNAM, None
    if primary == CrisisKind.DANGER_NOW and CrisisKind.ORGAN_SALE in found and not seen(_CONFINED):
        # "offers me 15000 dollars for my kidney, they will take me to a clinic": the organ
        # answer (a crime, Điều 154, and the numbers) fits better than the held person's.
        primary = CrisisKind.ORGAN_SALE
    return Crisis(primary, where, country, tuple(k for k in found[1:] if k != primary))


_SOMEONE = re.compile(
    r"\b(?:co (?:nguoi|ng|1 nguoi|mot nguoi|ai|thang|con|ba|ong|chi|anh|co)|nguoi la|ai do|ho|no"
    r"|(?:1|mot) (?:nguoi|ng|chi|anh|ong|ba|co|thang|acc|tai khoan)|nguoi ta|agency"
    r"|ban (?:tren|qua) mang|nguoi quen|ke|bon|tuyen|ru|someone|a man|a woman|a stranger"
    r"|ban trai|nguoi yeu|boyfriend|dan ong la|nguoi dan ong|ba moi|ong moi|moi gioi|co dua|1 dua"
    r"|mot dua|(?:1|mot) (?:ac|acc|nick|page|trang)"
    r"|(?:tren|qua) (?:mang|fb|facebook|zalo|tiktok|tik tok|insta\w*|ig|telegram|messenger|game)"
    r"|an agent|a broker|they|he|she|recruiter|company|(?:some|a|this|that) (?:guy|dude|man|woman"
    r"|lady|person|people|account)|strangers?|(?:online|on (?:tiktok|facebook|fb|instagram|insta"
    r"|zalo|telegram|snapchat|discord|roblox|whatsapp|messenger)))\b"
)


def mentions_child(text: str) -> bool:
    """Whether a message says someone is a child (an age under 18, "bé", a school class...)."""
    readings = _readings(text)
    return any(p.search(t) for p in (_CHILD, _OWN_CHILD) for t in readings) and not any(
        _ADULT.search(t) for t in readings
    )


# Glad news: "sắp về rồi vui quá" is a family waiting, not one in fear.
_GLAD = re.compile(
    r"\b(?:vui qua|mung qua|hanh phuc qua|vui lam|so happy|can'?t wait|khong sao|ko sao|k sao"
    r"|binh thuong|khong lo|chang sao|van on|da ve roi|ve nha roi|no worries|it'?s fine|i'?m fine"
    r"|all good|troi dep|cau ca|nghi mat|di choi|tam bien|picnic|du lich)\b"
)


# A game or a crush: "chơi ma sói bị giết đầu tiên", "bị crush bỏ, buồn vl". Only the model's
# reading yields to these (a child lured through a game is still found by the rules).
# ("lao động đòi" folds to "lao dong doi": a labour company asking, not "đồng đội".)
_GAME_OR_HEART = re.compile(
    r"\b(?:ma soi|werewolf|choi game|trong game|game thu|pubg|lien quan|free ?fire|lmht|lol"
    r"|minecraft|genshin|rank|team (?:minh|ban|ho|no)|bi team|(?<!lao )dong doi|crush|that tinh"
    r"|bi da|chia tay|ny bo|nguoi yeu bo|buon vl|buon qua|buon ghe)\b"
)


def looks_harmless(text: str) -> bool:
    """A joke, a story, a pet, a thing, glad news or a harmless cause: no alarm from the model."""
    return any(
        p.search(t)
        for p in (_NOT_REAL, _THING, _BENIGN_CAUSE, _GLAD, _GAME_OR_HEART)
        for t in _readings(text)
    )


# "Con tôi nhắn là nó muốn tự tử": the writer is worried about someone close, not in danger.
_SOMEONE_CLOSE = re.compile(
    # "nhảy cầu tối nay" folds like "cậu tôi": a bridge tonight, not my uncle.
    rf"\b(?:{_KIN}) (?:toi(?! nay| qua| mai)|minh|tui|em|nha toi|nha minh|cua toi)\b"
    r"|\bmy (?:daughter|son|child|kid|friend|sister|brother|wife|husband|mom|mother|dad|father"
    r"|girlfriend|boyfriend|cousin|niece|nephew)\b"
)
# A threat or a demand ("dọa", "tống tiền", "nếu không chuyển", "unless I pay") and intimate
# images in the same message: extortion with photos or videos, whoever the victim is.
_EXTORT_THREAT = re.compile(
    r"\b(?:doa|de doa|tong tien|threat\w*|blackmail\w*|extort\w*|sextort\w*"
    r"|(?:se|sap) (?:tung|dang|phat tan|gui)|neu (?:khong|ko|k) (?:chuyen|gui|dua|tra|nop)"
    r"|unless (?:i|we|he|she) (?:pay|send)|or (?:else )?(?:they|he|she)(?:'ll| will) (?:post|share"
    r"|send|leak)|if (?:i|we) (?:don'?t|do not|dont) (?:pay|send|transfer)"
    r"|(?:will|'ll|gonna|going to) (?:post|share|leak|send|publish))\b"
)
_INTIMATE = re.compile(
    r"\b(?:(?:anh|clip|video|hinh|phim)(?: \w+){0,2} (?:nong|nude|nhay cam|khoa than|rieng tu|sex"
    r"|khong mac do)|nudes?|naked|intimate (?:photos|pictures|pics|videos|images)"
    r"|sex (?:video|tape|clip)s?|private (?:photos|pictures|pics|videos))\b"
)
# An adult out drinking, "chắc lại say ở nhà bạn": the family knows why he is not home.
_OUT_DRINKING = re.compile(
    r"\b(?:di nhau|chac (?:lai )?say|say (?:o|xin|roi|khuot)|nhau (?:say|xin))\b"
)
# Someone living or working there already: "đang ở Campuchia", "is now in Thailand".
_LIVES_THERE = re.compile(
    r"\b(?:dang|hien|van|gio|bay gio|da) (?:dang )?(?:o|song|lam|hoc|bi)\b"
    r"|\b(?:is|are) (?:now |still )?(?:in|living in|working in|stuck in)\b"
)
_RANSOM = re.compile(r"\b(?:tien chuoc|chuoc (?:nguoi|con|em|chau)|ransom)\b")
_STORY = re.compile(
    r"\b(?:phim|movie|film|truyen|tieu thuyet|nhan vat|tac pham|netflix|novel|story|series"
    r"|bai van|haha|hihi|lol|lmao)\b|😂|🤣"
)
# Someone kept somewhere: then the held person's advice (address, plates) still applies.
_CONFINED = re.compile(
    r"\b(?:bi (?:nhot|giu|bat giu|khoa trai|danh|bat coc)|nhot (?:trong|o)|giam long|khong cho"
    r" (?:ve|ra|di)|locked|held|trapped|kept (?:in|inside)|beat(?:en|ing)|kidnapp\w*|can'?t leave"
    r"|cannot leave|not allowed to leave)\b"
)
_SEXTORTION = re.compile(
    r"\b(?:doa (?:tung|dang|phat tan|gui)|tung anh|phat tan anh"
    r"|anh (?:nong|nude|khoa than|nhay cam)"
    r"|clip (?:nong|nhay cam)|sextort\w*|nudes?|naked (?:photos|pictures|pics)"
    r"|threaten\w* to (?:post|share|send|leak))\b"
)


def about_someone_else(text: str) -> bool:
    """Whether the writer speaks of someone close ("con tôi", "my daughter") rather than self."""
    return any(_SOMEONE_CLOSE.search(t) for t in _readings(text))


def is_sextortion(text: str) -> bool:
    """Intimate images demanded or threatened to be shared: advice differs (never pay, keep all)."""
    return any(
        _SEXTORTION.search(t) or (_EXTORT_THREAT.search(t) and _INTIMATE.search(t))
        for t in _readings(text)
    )


# The writer gives their own age under 18: "e 15t", "mk 16 tuổi", "I'm 14".
_OWN_AGE = re.compile(
    rf"\b(?:{_ME}|e|mk|t|i'?m|i am|im)(?: (?:nam nay|moi|chi|co|la|da|is|only|just))?"
    r" (?:1[0-7]|[4-9]) ?(?:tuoi|t|yo|y/o|years?(?: old)?)?\b(?! (?:tr|trieu|k|nghin|ngan|usd|h|gio"
    r"|ngay|thang|nam|nguoi|lan)\b)"
)


def writes_as_child(text: str) -> bool:
    """Whether the writer says they are under 18 (the advice is then for them, not a parent)."""
    return any(_OWN_AGE.search(t) for t in _readings(text)) and not about_someone_else(text)
