"""Resident IDs, names, pinyin spellings and noise: the pieces identity noise is made of."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hub.domain.identifiers import birth_date_from_resident_id, is_valid_resident_id
from simulators import NoiseConfig
from simulators.dates import day_number
from simulators.defects import mojibake
from simulators.ids import check_digit, resident_ids
from simulators.names import chinese_names, homophone_typo, pinyin_spelling
from simulators.noise import apply_noise


def test_check_digit_matches_the_standard_example() -> None:
    assert check_digit("11010519491231002") == "X"  # the GB 11643-1999 worked example
    with pytest.raises(ValueError, match="17 digits"):
        check_digit("1234")


def test_generated_resident_ids_are_valid_and_carry_birth_and_sex() -> None:
    rng = np.random.default_rng(1)
    births = np.array(
        [day_number(pd.Timestamp(d).date()) for d in ("1950-02-28", "1988-12-31", "2001-07-04")],
        dtype=np.int64,
    )
    male = np.array([True, False, True])
    ids = resident_ids(rng, births, male)
    for rid, birth, is_male in zip(ids, births, male, strict=True):
        assert is_valid_resident_id(rid)  # the hub's own check agrees
        assert day_number(birth_date_from_resident_id(rid)) == birth
        assert int(rid[16]) % 2 == (1 if is_male else 0)


def test_pinyin_spellings_differ_only_in_form() -> None:
    spellings = {pinyin_spelling("张伟", v) for v in range(6)}
    assert {"Zhang Wei", "ZHANG Wei", "zhang wei", "Zhangwei", "Wei Zhang"} <= spellings
    assert any(not s.isascii() for s in spellings)  # one spelling with tone marks


def test_homophone_typo_changes_one_given_name_character() -> None:
    for name in chinese_names(np.random.default_rng(2), np.array([True, False] * 50)):
        typo = homophone_typo(name, 0.37)
        assert len(typo) == len(name)
        assert typo[0] == name[0]  # the surname is kept
        assert sum(a != b for a, b in zip(name, typo, strict=True)) <= 1


def test_noise_rates_are_roughly_what_was_asked() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    people = pd.DataFrame(
        {
            "name": chinese_names(rng, rng.random(n) < 0.5),
            "birth": rng.integers(-5000, 10000, n),
            "resident_id": resident_ids(rng, rng.integers(-5000, 10000, n), rng.random(n) < 0.5),
            "phone": ["13800000000"] * n,
        }
    )
    config = NoiseConfig(
        resident_id_missing=0.1, phone_changed=0.2, birth_date_digit=0.05, resident_id_mistyped=0.02
    )
    noisy = apply_noise(rng, people, config)
    assert 0.07 < sum(r == "" for r in noisy.resident_id) / n < 0.13
    assert 0.16 < sum(p != "13800000000" for p in noisy.phone) / n < 0.24
    assert 0.03 < float(np.mean(noisy.birth != people["birth"].to_numpy())) < 0.07
    mistyped = noisy.log[noisy.log["noise"] == "mistyped"]["row"]
    assert len(mistyped) > 0
    for i in mistyped:  # one digit changed: GB 11643 catches every single substitution
        assert noisy.resident_id[i] == "" or not is_valid_resident_id(noisy.resident_id[i])
    clean = apply_noise(rng, people, NoiseConfig.clean())
    assert clean.name == people["name"].tolist()
    assert clean.log.empty


def test_mojibake_is_utf8_read_as_latin1() -> None:
    assert mojibake("张三") == "\u00e5\u00bc\u00a0\u00e4\u00b8\u0089"  # bytes e5 bc a0 e4 b8 89
    assert mojibake("abc") == "abc"
