"""GB 11643 resident ID numbers and stable ids."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.identifiers import (
    birth_date_from_resident_id,
    is_valid_resident_id,
    resident_id_check_digit,
    stable_id,
)


def test_published_example_has_check_character_x() -> None:
    # The example number of GB 11643-1999 itself.
    assert resident_id_check_digit("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002X")
    assert is_valid_resident_id("11010519491231002x")


def test_wrong_check_digit_or_impossible_birth_date_is_invalid() -> None:
    assert not is_valid_resident_id("110105194912310021")
    body = "11010519490231002"  # 31 February
    assert not is_valid_resident_id(body + resident_id_check_digit(body))
    assert not is_valid_resident_id(None)
    assert not is_valid_resident_id("1101051949")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999))
def test_any_well_formed_number_validates_and_a_changed_digit_does_not(
    born: date, seq: int
) -> None:
    body = f"310104{born:%Y%m%d}{seq:03d}"
    number = body + resident_id_check_digit(body)
    assert is_valid_resident_id(number)
    assert birth_date_from_resident_id(number) == born
    typo = body[:-1] + str((int(body[-1]) + 1) % 10)
    assert not is_valid_resident_id(typo + number[-1])


def test_stable_ids_depend_on_system_type_and_key_only() -> None:
    first = stable_id("station", "Patient", "R001")
    assert first == stable_id("station", "Patient", "R001")
    assert first != stable_id("hospital", "Patient", "R001")
    assert first != stable_id("station", "Encounter", "R001")
