"""A small labelled district for identity tests and the benchmark (until simulators/ lands).

People are drawn with Chinese names, birth dates, resident IDs, phones, addresses and
guardians; each appears as one to four source Patients (hospital, station, agency) with the
errors each system makes: homophone characters (IME variants), pinyin with tone marks or
digits or in western order, pinyin typos, birth dates a digit off, mistyped or missing
resident IDs, changed phones, rewritten addresses. Hard negatives are planted on purpose:
twins, a parent and child of the same name, and namesakes born in the same year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from pypinyin import Style, lazy_pinyin

from hub.domain.identifiers import resident_id_check_digit

RESIDENT_ID_SYSTEM = "https://carehub.org/fhir/sid/cn-resident-id"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# groups of characters a pinyin input method offers together: the classic typing variant
HOMOPHONES = [
    "伟玮炜巍",
    "丽莉俐利",
    "明铭鸣",
    "华化骅",
    "静晶婧菁",
    "军君俊钧",
    "芳方坊",
    "强蔷",
    "磊蕾",
    "燕艳雁彦",
    "平萍苹",
    "红宏鸿虹",
    "建健剑",
    "英瑛莹",
    "敏民闵",
    "霞侠",
    "峰锋丰枫",
    "涛韬",
    "杰洁婕",
    "勇永咏",
    "斌彬滨",
    "超潮",
    "玲灵琳林",
    "桂贵",
    "兰岚澜",
    "文雯闻",
    "志智芝",
    "云芸韵",
    "娟涓",
    "辉慧惠晖",
    "秀",
    "国",
    "海",
    "春椿",
    "小晓",
    "梅玫",
    "东冬",
    "成诚城",
    "新欣鑫",
    "佳嘉家",
    "子紫梓",
    "宇雨语羽",
    "涵寒晗",
    "浩昊皓",
    "婷亭",
    "雪",
    "龙隆",
    "飞菲",
    "凤",
    "金",
    "学",
    "德",
    "荣蓉融",
]
STREETS = ["长江", "黄河", "人民", "解放", "建设", "和平", "中山", "新华", "胜利", "光明"]
ROADS = ["东风", "幸福", "团结", "青年", "文化", "朝阳", "友谊", "民主", "前进", "红旗"]
AREA_CODES = ["310115", "310104", "310110", "110105", "440106"]


@dataclass(slots=True)
class Person:
    """The truth about one resident."""

    person_id: str
    family: str
    given: str
    sex: str
    birth: date
    resident_id: str
    phone: str
    address: str
    guardian: str


@dataclass(slots=True)
class SyntheticDistrict:
    """Source Patients with the truth: record id -> person id, and planted hard negatives."""

    patients: list[dict[str, Any]] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)
    hard_negatives: list[tuple[str, str]] = field(default_factory=list)


_ISSUED: set[str] = set()  # cleared by generate(): each district issues its own


def _resident_id(rng: random.Random, birth: date, sex: str) -> str:
    """A valid resident ID never issued before (real ones are unique)."""
    while True:
        rid = _draw_resident_id(rng, birth, sex)
        if rid not in _ISSUED:
            _ISSUED.add(rid)
            return rid


def _draw_resident_id(rng: random.Random, birth: date, sex: str) -> str:
    seq = rng.randrange(0, 999)
    seq = seq - seq % 2 + (1 if sex == "male" else 0)
    body = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + resident_id_check_digit(body)


def _given(rng: random.Random) -> str:
    return "".join(rng.choice(rng.choice(HOMOPHONES)) for _ in range(rng.choice((1, 2, 2, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _address(rng: random.Random) -> str:
    return (
        f"上海市浦东新区{rng.choice(STREETS)}街道{rng.choice(ROADS)}路{rng.randrange(1, 999)}号"
        f"{rng.randrange(1, 30)}栋{rng.randrange(1, 30)}0{rng.randrange(1, 4)}室"
    )


def new_person(rng: random.Random, person_id: str) -> Person:
    """A resident with random but plausible demographics."""
    sex = rng.choice(("male", "female"))
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
    return Person(
        person_id,
        rng.choice(SURNAMES),
        _given(rng),
        sex,
        birth,
        _resident_id(rng, birth, sex),
        _phone(rng),
        _address(rng),
        rng.choice(SURNAMES) + _given(rng),
    )


def _pinyin_name(rng: random.Random, family: str, given: str) -> dict[str, Any]:
    """The name as a system that stores pinyin writes it, in one of its habits."""
    style = rng.choice((Style.TONE, Style.TONE3, Style.NORMAL))
    fam = "".join(lazy_pinyin(family, style=style))
    giv = "".join(lazy_pinyin(given, style=style))
    habit = rng.randrange(4)
    if habit == 0:
        return {"family": fam.capitalize(), "given": [giv.capitalize()]}
    if habit == 1:
        return {"text": f"{giv.capitalize()} {fam.capitalize()}"}  # western order
    if habit == 2:
        return {"text": f"{fam} {giv}".upper()}
    return {"text": f"{fam}{giv}"}


def _typo(rng: random.Random, text: str) -> str:
    """Swap or drop one letter."""
    if len(text) < 3:
        return text
    i = rng.randrange(len(text) - 1)
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def _name(rng: random.Random, p: Person, source: str, noise: float) -> list[dict[str, Any]]:
    given = p.given
    if rng.random() < 0.12 * noise:  # IME picked the wrong homophone
        i = rng.randrange(len(given))
        group = next((g for g in HOMOPHONES if given[i] in g), given[i])
        given = given[:i] + rng.choice(group) + given[i + 1 :]
    if rng.random() < 0.002 * noise:  # name and birth date are mandatory in all three systems
        return []
    if source == "agency" and rng.random() < 0.4:
        name = _pinyin_name(rng, p.family, given)
        if "text" in name and rng.random() < 0.06 * noise:
            name["text"] = _typo(rng, name["text"])
        return [name]
    return [{"text": p.family + given}]


def _birth(rng: random.Random, birth: date, noise: float) -> str | None:
    roll = rng.random() / noise
    text = birth.isoformat()
    if roll < 0.005:
        return None
    if roll < 0.035:  # one digit of the day or month mistyped
        i = rng.choice((6, 8, 9))
        return text[:i] + str((int(text[i]) + rng.randrange(1, 9)) % 10) + text[i + 1 :]
    if roll < 0.045 and birth.day <= 12:
        return f"{birth.year:04d}-{birth.day:02d}-{birth.month:02d}"
    return text


def _resident_id_value(rng: random.Random, rid: str, noise: float) -> str | None:
    roll = rng.random()
    if roll < 0.35:
        return None
    if roll < 0.35 + 0.1 * noise:  # one digit mistyped: the check digit catches it
        i = rng.randrange(17)
        return rid[:i] + str((int(rid[i]) + rng.randrange(1, 10)) % 10) + rid[i + 1 :]
    return rid


def _phone_value(rng: random.Random, phone: str, noise: float) -> str | None:
    roll = rng.random() / noise
    if roll < 0.12:
        return None
    if roll < 0.27:
        return _phone(rng)  # changed number
    if roll < 0.30:
        i = rng.randrange(3, 11)
        return phone[:i] + str((int(phone[i]) + 1) % 10) + phone[i + 1 :]
    return rng.choice((phone, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"))


def _address_value(rng: random.Random, address: str, noise: float) -> str | None:
    roll = rng.random() / noise
    if roll < 0.05:
        return None
    if roll < 0.15:
        return _address(rng)  # moved
    if roll < 0.30:
        return address.replace("上海市", "").replace("街道", " ")  # written shorter
    return address


def patient(rng: random.Random, p: Person, source: str, key: str, noise: float) -> dict[str, Any]:
    """One source Patient (FHIR JSON) about a person, with that system's errors."""
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": key,
        "name": _name(rng, p, source, noise),
    }
    rid = _resident_id_value(rng, p.resident_id, noise)
    res["identifier"] = [{"system": f"https://carehub.org/fhir/sid/{source}-patient", "value": key}]
    if rid:
        res["identifier"].append({"system": RESIDENT_ID_SYSTEM, "value": rid})
    if rng.random() > 0.01 * noise:
        res["gender"] = p.sex
    if birth := _birth(rng, p.birth, noise):
        res["birthDate"] = birth
    if phone := _phone_value(rng, p.phone, noise):
        res["telecom"] = [{"system": "phone", "value": phone}]
    if address := _address_value(rng, p.address, noise):
        res["address"] = [{"text": address}]
    if rng.random() < 0.6:
        res["contact"] = [{"name": {"text": p.guardian}}]
    return res


def _hard_negative(rng: random.Random, p: Person, person_id: str) -> tuple[Person, str]:
    """A different person who looks like p: a twin, a same-named parent, or a namesake."""
    other, kind = _look_alike(rng, p, person_id)
    return replace(other, resident_id=_resident_id(rng, other.birth, other.sex)), kind


def _look_alike(rng: random.Random, p: Person, person_id: str) -> tuple[Person, str]:
    kind = rng.choice(("twin", "parent", "namesake"))
    other = new_person(rng, person_id)
    if kind == "twin":
        # twins get different names, not two spellings of one (张伟/张玮 would be a typo)
        given = _given(rng)
        while lazy_pinyin(given)[-1] == lazy_pinyin(p.given)[-1] or set(given) & set(p.given):
            given = _given(rng)
        return replace(
            other,
            family=p.family,
            given=given,
            birth=p.birth,
            address=p.address,
            phone=p.phone,
            guardian=p.guardian,
        ), kind
    if kind == "parent":
        birth = p.birth - timedelta(days=rng.randrange(365 * 20, 365 * 35))
        return replace(
            other,
            family=p.family,
            given=p.given,
            sex=p.sex,
            birth=birth,
            address=p.address,
            phone=p.phone,
        ), kind
    birth = date(p.birth.year, 1, 1) + timedelta(days=rng.randrange(365))
    return replace(other, family=p.family, given=p.given, sex=p.sex, birth=birth), kind


def _records_of(rng: random.Random) -> list[str]:
    sources = ["station"]
    if rng.random() < 0.7:
        sources.append("hospital")
    if rng.random() < 0.45:
        sources.append("agency")
    if rng.random() < 0.08:
        sources.append(rng.choice(sources))  # a duplicate inside one system
    return sources


def generate(
    n_records: int, *, seed: int = 7, noise: float = 1.0, hard_negative_rate: float = 0.03
) -> SyntheticDistrict:
    """About n_records source Patients of a synthetic district, with the truth."""
    rng = random.Random(seed)
    _ISSUED.clear()  # the same seed gives the same district, whatever ran before
    district = SyntheticDistrict()
    counter = 0
    n_person = 0
    while len(district.patients) < n_records:
        n_person += 1
        people = [new_person(rng, f"P{n_person:07d}")]
        if rng.random() < hard_negative_rate:
            n_person += 1
            people.append(_hard_negative(rng, people[0], f"P{n_person:07d}")[0])
        keys_by_person: list[list[str]] = []
        for p in people:
            keys: list[str] = []
            for source in _records_of(rng):
                counter += 1
                key = f"{source}-{counter:08d}"
                district.patients.append(patient(rng, p, source, key, noise))
                district.truth[key] = p.person_id
                keys.append(key)
            keys_by_person.append(keys)
        if len(keys_by_person) == 2:
            district.hard_negatives += [
                (a, b) for a in keys_by_person[0] for b in keys_by_person[1]
            ]
    return district
