"""Person rows: the normalised demographics of one source Patient, ready to compare."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.domain.identifiers import birth_date_from_resident_id, is_valid_resident_id
from hub.identity.names import name_keys

__all__ = ["RESIDENT_ID_SYSTEM", "PersonRow", "QualityIssue", "person_row"]

#: Identifier.system of the GB 11643 resident ID number.
RESIDENT_ID_SYSTEM = "https://carehub.org/fhir/sid/cn-resident-id"

_NON_DIGIT = re.compile(r"\D+")
_ADDRESS_NOISE = re.compile(r"[\s,，.。、;；:：()（）\-—#]+")
# An address token ends at an administrative or building suffix: 区, 路, 号, 室...
_ADDRESS_TOKEN = re.compile(
    r".+?(?:省|市|区|县|镇|乡|村|街道|街|路|巷|弄|号|栋|幢|楼|单元|室|组)|.+$"
)
# the part of an address below the road: house number, building, unit, room
_HOUSE_SUFFIXES = ("号", "栋", "幢", "单元", "室", "组")
_GENDERS = frozenset({"male", "female"})


@dataclass(frozen=True, slots=True)
class QualityIssue:
    """A data-quality finding about one source record (reported, never silently fixed)."""

    record_key: str
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One source Patient reduced to the keys identity resolution compares."""

    record_key: str
    name_hanzi: str | None = None
    name_pinyin: str | None = None
    name_fuzzy: str | None = None
    name_sorted: str | None = None
    name_rotated: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    resident_id: str | None = None
    phone: str | None = None
    address: str | None = None
    address_tokens: tuple[str, ...] = ()
    #: House number, building and room: survives the city and street being left out.
    address_house: str | None = None
    guardian_pinyin: str | None = None
    issues: tuple[QualityIssue, ...] = ()


def _name_text(name: Mapping[str, Any]) -> str | None:
    """A HumanName as one string, family name first (the Chinese order)."""
    text = name.get("text")
    if isinstance(text, str) and text.strip():
        return text
    parts = [name.get("family") or "", *(name.get("given") or [])]
    joined = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return joined or None


def _best_name(names: Iterable[Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """(name in characters, any usable name): characters win because pinyin loses detail."""
    texts = [t for t in (_name_text(n) for n in names) if t]
    hanzi = next((t for t in texts if name_keys(t).hanzi), None)
    return hanzi, hanzi or next(iter(texts), None)


def normalise_phone(value: str | None) -> str | None:
    """Digits of a phone number without the +86 prefix; None for placeholders like 0000000."""
    digits = _NON_DIGIT.sub("", value or "")
    for prefix in ("0086", "86"):
        if len(digits) > 11 and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) < 7 or len(set(digits)) == 1:
        return None
    return digits


def normalise_address(value: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(address without spaces and punctuation, its administrative tokens)."""
    if not value:
        return None, ()
    text = _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", value)).lower()
    if not text:
        return None, ()
    tokens = tuple(dict.fromkeys(t for t in _ADDRESS_TOKEN.findall(text) if t))
    return text, tokens


def _resident_id(patient: Mapping[str, Any], key: str) -> tuple[str | None, list[QualityIssue]]:
    """The valid resident ID of a Patient; a failing one is dropped and reported."""
    issues: list[QualityIssue] = []
    for ident in patient.get("identifier") or []:
        if ident.get("system") != RESIDENT_ID_SYSTEM or not ident.get("value"):
            continue
        value = str(ident["value"]).strip().upper()
        if is_valid_resident_id(value):
            return value, issues
        issues.append(QualityIssue(key, "resident-id-invalid", f"fails GB 11643: {value!r}"))
    return None, issues


def _phone(patient: Mapping[str, Any]) -> str | None:
    """The first usable phone number among the Patient's telecoms."""
    for telecom in patient.get("telecom") or []:
        if telecom.get("system") in (None, "phone", "sms"):
            phone = normalise_phone(telecom.get("value"))
            if phone:
                return phone
    return None


def _guardian_name(patient: Mapping[str, Any]) -> str | None:
    """The name of the first contact (the guardian or family carer)."""
    for contact in patient.get("contact") or []:
        name = contact.get("name")
        if isinstance(name, Mapping) and (text := _name_text(name)):
            return text
    return None


def _address(patient: Mapping[str, Any]) -> str | None:
    """The first address as one line of text."""
    for address in patient.get("address") or []:
        text = address.get("text") or "".join(
            [*(address.get("line") or []), address.get("district") or ""]
        )
        if text:
            return str(text)
    return None


def _birth_and_sex(
    patient: Mapping[str, Any], resident_id: str | None, key: str, issues: list[QualityIssue]
) -> tuple[str | None, str | None]:
    """Birth date and sex, taken from a valid resident ID when there is one.

    The ID was checked digit by digit, a typed birth date was not; a disagreement is
    reported so that the source can be corrected.
    """
    birth = patient.get("birthDate")
    typed_birth = birth if isinstance(birth, str) and birth else None
    gender = patient.get("gender")
    typed_sex = gender if gender in _GENDERS else None
    if resident_id is None:
        return typed_birth, typed_sex
    encoded = birth_date_from_resident_id(resident_id)
    id_birth = encoded.isoformat() if encoded else typed_birth
    id_sex = "male" if int(resident_id[16]) % 2 else "female"
    if typed_birth and typed_birth != id_birth:
        issues.append(QualityIssue(key, "birth-date-disagrees-with-resident-id", typed_birth))
    if typed_sex and typed_sex != id_sex:
        issues.append(QualityIssue(key, "sex-disagrees-with-resident-id", typed_sex))
    return id_birth, id_sex


def person_row(patient: Mapping[str, Any]) -> PersonRow:
    """Normalise a FHIR Patient (JSON dict) into the row identity resolution compares."""
    key = str(patient["id"])
    _, name = _best_name(patient.get("name") or [])
    keys = name_keys(name)
    resident_id, issues = _resident_id(patient, key)
    birth, sex = _birth_and_sex(patient, resident_id, key, issues)
    address, tokens = normalise_address(_address(patient))
    house = "".join(t for t in tokens if t.endswith(_HOUSE_SUFFIXES))
    return PersonRow(
        record_key=key,
        name_hanzi=keys.hanzi,
        name_pinyin=keys.pinyin,
        name_fuzzy=keys.fuzzy,
        name_sorted=keys.sorted_syllables,
        name_rotated=keys.rotated,
        sex=sex,
        birth_date=birth,
        resident_id=resident_id,
        phone=_phone(patient),
        address=address,
        address_tokens=tokens,
        address_house=house or None,
        guardian_pinyin=name_keys(_guardian_name(patient)).pinyin,
        issues=tuple(issues),
    )
