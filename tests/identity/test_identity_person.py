"""Person rows: names in every spelling reduce to the same keys; IDs are checked."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.identifiers import resident_id_check_digit
from hub.identity import RESIDENT_ID_SYSTEM, person_row
from hub.identity.names import name_keys, split_pinyin
from hub.identity.person import normalise_address, normalise_phone

BODY = "31011519800229123"
VALID_ID = BODY + resident_id_check_digit(BODY)
WRONG_CHECK = BODY + ("0" if VALID_ID[-1] != "0" else "1")


@pytest.mark.parametrize(
    "written",
    ["张伟", "章伟", "Zhāng Wěi", "zhang1 wei3", "ZHANG-WEI", "zhangwei", " Zhang  Wei "],
)
def test_every_spelling_of_zhang_wei_has_the_same_pinyin(written: str) -> None:
    assert name_keys(written).pinyin == "zhangwei"


def test_western_order_is_caught_by_sorted_and_rotated_keys() -> None:
    western, chinese = name_keys("Wei Zhang"), name_keys("张伟")
    assert western.pinyin == "weizhang"
    assert western.sorted_syllables == chinese.sorted_syllables
    assert western.rotated == chinese.pinyin


def test_u_umlaut_is_written_v_like_pypinyin() -> None:
    assert name_keys("Lǚ Xiǎolǜ").pinyin == name_keys("吕晓绿").pinyin == "lvxiaolv"


def test_fuzzy_key_folds_southern_confusions() -> None:
    assert name_keys("Zang Wei").fuzzy == name_keys("张伟").fuzzy
    assert name_keys("Zang Wei").pinyin != name_keys("张伟").pinyin


def test_segmentation_prefers_fewest_syllables() -> None:
    assert split_pinyin("xian") == ["xian"]
    assert split_pinyin("zhangxiaoming") == ["zhang", "xiao", "ming"]
    assert split_pinyin("qqq") is None


@given(st.text(max_size=20))
def test_name_keys_never_fail(text: str) -> None:
    keys = name_keys(text)
    assert keys.pinyin is None or keys.pinyin.isascii()


def test_phone_loses_prefix_and_punctuation_and_placeholders() -> None:
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("0000000000") is None
    assert normalise_phone(None) is None


def test_address_tokens_split_at_administrative_suffixes() -> None:
    text, tokens = normalise_address("上海市 浦东新区，碧波路88号 3栋502室")
    assert text == "上海市浦东新区碧波路88号3栋502室"
    assert tokens == ("上海市", "浦东新区", "碧波路", "88号", "3栋", "502室")


def _patient(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", **fields}


def test_person_row_reads_a_fhir_patient() -> None:
    row = person_row(
        _patient(
            name=[{"family": "Zhang", "given": ["Wei"]}, {"text": "张伟"}],
            gender="male",
            birthDate="1980-02-29",
            identifier=[{"system": RESIDENT_ID_SYSTEM, "value": VALID_ID.lower()}],
            telecom=[
                {"system": "email", "value": "a@b.c"},
                {"system": "phone", "value": "138 0013 8000"},
            ],
            address=[{"text": "浦东新区碧波路88号"}],
            contact=[{"name": {"text": "李娜"}}],
        )
    )
    assert (row.name_hanzi, row.name_pinyin) == ("张伟", "zhangwei")
    assert row.resident_id == VALID_ID.upper()
    assert (row.birth_date, row.sex, row.phone) == ("1980-02-29", "male", "13800138000")
    assert row.guardian_pinyin == "lina"
    assert row.issues == ()


def test_a_failing_resident_id_is_missing_and_reported() -> None:
    row = person_row(_patient(identifier=[{"system": RESIDENT_ID_SYSTEM, "value": WRONG_CHECK}]))
    assert row.resident_id is None
    assert [i.code for i in row.issues] == ["resident-id-invalid"]


def test_birth_date_and_sex_come_from_a_valid_id_and_disagreement_is_reported() -> None:
    row = person_row(
        _patient(
            birthDate="1980-02-28",
            gender="female",
            identifier=[{"system": RESIDENT_ID_SYSTEM, "value": VALID_ID}],
        )
    )
    assert (row.birth_date, row.sex) == ("1980-02-29", "male")
    assert {i.code for i in row.issues} == {
        "birth-date-disagrees-with-resident-id",
        "sex-disagrees-with-resident-id",
    }
