"""A fast guess of a chat message's language: English, Vietnamese (any typing style) or unsure.

No model: word lists plus a Vietnamese-syllable test. Vietnamese is recognised by its
diacritics, its common words typed bare or in teencode ("ko", "dc", "mk") and by syllables
that are shaped like Vietnamese ones; English by its common words and by words no Vietnamese
syllable can spell ("stuck", "passport"). Words both languages use ("ok", "hi", "the", "me",
"to", "can", place and app names) count for neither side.

Mixed messages ("em o cambodia, help") go to the side with more evidence; a tie, or too
little evidence (one English word, a greeting, a number), is None: the caller keeps the
language it had. English needs a little more evidence than Vietnamese, because the bot's
default is Vietnamese and wrongly switching a Vietnamese speaker to English costs more.
"""

from __future__ import annotations

import re

from nlu.normalize import fold

EN = "en"
VI = "vi"

# Words with an English apostrophe inside ("i'm", "don't"). Words with digits (tip codes,
# "17t", "30tr") and chat commands ("/theodoi") are no language and are dropped.
_WORD = re.compile(r"(?<![/\w])[^\W_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_DIGIT = re.compile(r"\d")

# A Vietnamese syllable written without marks: onset, vowel group, final consonant.
_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
    r"(?:[aeiouy]{1,3})"
    r"(?:ch|nh|ng|[cmnpt])?"
)


def _words(block: str) -> frozenset[str]:
    """The set of whitespace-separated words of a block of text."""
    return frozenset(block.split())


# Common English words that are not also everyday Vietnamese syllables typed bare.
_EN_WORDS = _words(
    """
    i i'm im i've ive i'd i'll you you're youre your yours u ur we we're our us they they're their
    them he he's his she she's her it it's its this that that's these those what what's whats
    where where's when who who's why how which whom is are was were be been being am have has had
    having does did doing don't dont doesn't doesnt didn't didnt can't cant cannot will would
    should could won't wont wouldn't shouldn't couldn't isn't isnt aren't arent wasn't weren't
    haven't hasn't must may might shall and or not of for from with without about at by into onto
    out up down there here if but just please pls plz thank sorry yeah yep nope some any every all
    other another more most much many very really also too only still already again now today
    tonight tomorrow yesterday after before because since until while than then get gets got
    gotten take takes took taken keep keeps kept give gave given make makes made know knew known
    think want wants wanted need needs needed help helps helped tell told said say says ask asked
    call called calling let work works working worked job jobs boss employer employers company
    agency agent broker recruiter passport passports money pay paid salary debt stuck trapped
    locked lock held hold holding beaten beat hurt scared afraid fear danger dangerous police
    embassy consulate number phone report reporting reported tip tips scam scams scammer scammers
    trafficker traffickers trafficking trafficked smuggled smuggler human people person friend
    friends sister brother daughter mother father mom mum dad parents family home back go goes
    going went gone come comes coming came country foreigner foreigners foreign factory visa offer
    offers offered marry married marriage wife husband girlfriend boyfriend online safe legit real
    fake true law laws legal illegal penalty punishment prison jail crime rights right victim
    victims support free rescue save urgent emergency quiz language english vietnamese delete
    erase remove data history chat chats messages message subscribe unsubscribe news updates
    alerts check checking status code sent send lure lured trick tricked sold sell selling buy
    buying bought kidney organ organs baby babies child children kid kids girl girls boy boys
    woman women man men old years year days week weeks month months hour hours someone somebody
    anyone anybody nobody something anything nothing everything my mine myself yourself should've
    abroad overseas border cross crossed across away left leave leaving escape escaped run ran
    hide hiding contact reach find found lost missing disappeared answer answers answering reply
    replies question questions info information learn learning teach signs sign warning recognise
    recognize spot identify way ways happen happens happened happening entitled benefits
    compensation returnee returned return returning stigma shame ashamed neighbours neighbors
    village hometown worker workers labour labor export exports recruitment recruiting hiring hire
    hired contract contracts fee fees deposit license licensed licence permit exploit exploited
    exploitation forced force forcing slave slavery surrogate surrogacy adoption adopt study
    student students scholarship tour travel trip modelling modeling model streamer casino
    gambling compound compounds stop stopped sending spam wipe forget forgot clear conversation
    account switch change speak speaking talk talking write translate understand read reading
    quizzes test tests trivia knowledge play game games goodbye later night morning evening
    afternoon great cool nice awesome appreciate appreciated grateful welcome there's live lives
    living stay staying stayed
    """
)

# Words both languages use in chat, place and app names: no evidence either way.
_NEUTRAL = _words(
    """
    ok okay oke okie hi hello helo hallo alo allo hey bye ya yes no thanks tks thx ty tk hotline
    sos admin ad bot menu a an the me to do so on in can may long tin bit top ten sun go ha he huh
    ah oh hm hmm uh um lol haha hihi kk kkk vn vietnam chat game test quiz online offline job
    check code spam stop sub unsub report acc inbox share link page app web website video clip
    post comment scam casino kpi visa tour model streamer ctv facebook fb zalo tiktok telegram
    tele whatsapp instagram messenger viber wechat google youtube shopee insta ig cambodia
    campuchia myanmar burma laos lao thailand thai china trung korea japan malaysia taiwan
    singapore dubai philippines indonesia hanoi saigon hcmc hcm sg danang hue sapa
    """
)

# Vietnamese words as typed without marks, and teencode ("mk", "ntn", "r", "h").
_VI_WORDS = _words(
    """
    toi tui minh mik mk mjk mjnh mh ban bn em e anh chi cj chj chu co ong ba bo cau chau ho chung
    nguoi ng khong ko k kh khg kg hok hong hem khum duoc dc dk lam lm gi j ji sao nao nay di dj ve
    o la va voi vs cua cho bi lua dao giup cuu nhot giu chieu biet bik bjt bt muon mun phai khi
    neu thi nhung nhieu ai dau day vay z v zay dzay nhu cai cac mot hai bon thang ngay gio h bh bg
    hom qua mai luon lun ca cung cx cg ma tren duoi trong ngoai xin chao cam da vang uk ukm dung
    sai noi ns hoi tra loi tl bao nhan goi dien thoai dt sdt lien lay mua buon tre gai trai chong
    vo ck vk nha xa tinh huyen thanh pho dong cong cty xuat khau xkld hieu hoc thu luat phat quyen
    tro nan ntn trc ms ib rui roi r nhe ne nhi hic huhu ui oi dag dang se chua het viec tien tieng
    nuoc giai bay ak sang hang mat hen nhaa nghe thay lo vao ra len xuong lai con bac nua ua de
    hay kieu kiu khac nhau tu lau chet danh doi ep tron ket toan tuyen luong cao xau tot kiem moi
    bien gioi nam tuoi
    """
)


def _is_vi_syllable(word: str) -> bool:
    """Whether a bare lowercase word has the shape of a Vietnamese syllable."""
    return _VI_SYLLABLE.fullmatch(word) is not None


def _scores(text: str) -> tuple[float, float, int]:
    """English evidence, Vietnamese evidence and the number of words of a message."""
    en = vi = 0.0
    words = [w for w in _WORD.findall(text) if not _DIGIT.search(w)]
    for i, raw in enumerate(words):
        word = raw.lower().replace("’", "'")
        bare = fold(word)
        if bare != word:
            # Vietnamese marks (or đ): the strongest sign there is, except in a capitalised
            # name inside the message, which an English speaker may copy ("I live in Hà Nội").
            vi += 0.5 if i > 0 and raw[0].isupper() else 1.5
        elif word in _NEUTRAL:
            continue
        elif word in _EN_WORDS:
            en += 1.0
        elif word in _VI_WORDS:
            vi += 1.0
        elif "'" in word:
            en += 1.0
        elif _is_vi_syllable(word):
            vi += 0.25  # shaped like Vietnamese, but many short English words are too
        elif len(word) > 2:
            en += 0.5  # no Vietnamese syllable is spelt like this ("stuck", "cambodian")
    return en, vi, len(words)


def guess_language(text: str) -> str | None:
    """ "en", "vi", or None when the message does not say (too short, mixed evenly, no words)."""
    en, vi, n_words = _scores(text)
    if vi > en and vi >= 1.0:
        return VI
    if en > vi and (en >= 2.0 or (en >= 1.0 and vi == 0.0 and n_words >= 2)):
        return EN
    return None


def could_be_english(text: str) -> bool:
    """No side wins, yet every word is English or shared ("hello", "thanks, bye", "ok")."""
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text) if not _DIGIT.search(w)]
    return (
        bool(words)
        and guess_language(text) is None
        and all(fold(w) == w and (w in _NEUTRAL or w in _EN_WORDS) for w in words)
    )


__all__ = ["EN", "VI", "could_be_english", "guess_language"]
