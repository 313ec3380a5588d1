"""Identity noise: how each system's copy of a person drifts from the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators import ids, names
from simulators.config import NoiseConfig

__all__ = ["NoisyIdentity", "apply_noise"]


@dataclass(frozen=True)
class NoisyIdentity:
    """One system's spelling of each person, and a log of what was changed."""

    name: list[str]
    birth: np.ndarray  # day numbers
    resident_id: list[str]  # "" when missing
    phone: list[str]
    log: pd.DataFrame  # row (position in the input), field, noise


def _mistype(value: str, position: int, digit: int) -> str:
    """Change one digit of the first 17 to another digit (the check digit stays)."""
    old = int(value[position])
    new = (old + 1 + digit % 9) % 10
    return value[:position] + str(new) + value[position + 1 :]


def apply_noise(
    rng: np.random.Generator, persons: pd.DataFrame, config: NoiseConfig, *, pinyin: bool = False
) -> NoisyIdentity:
    """Noisy copies of name, birth date, resident ID and phone for the given persons."""
    n = len(persons)
    u = rng.random((6, n))
    pick = rng.random(n)
    name = persons["name"].tolist()
    log: list[tuple[int, str, str]] = []
    for i in np.flatnonzero(u[0] < config.name_typo).tolist():
        typo = names.homophone_typo(name[i], float(pick[i]))
        if typo != name[i]:
            name[i] = typo
            log.append((i, "name", "homophone_typo"))
    if pinyin:
        variants = rng.integers(0, 6, n)
        for i in np.flatnonzero(u[1] < config.pinyin_name).tolist():
            name[i] = names.pinyin_spelling(name[i], int(variants[i]))
            log.append((i, "name", "pinyin"))
    rid = persons["resident_id"].tolist()
    positions = rng.integers(0, 17, n)
    for i in np.flatnonzero(u[2] < config.resident_id_mistyped).tolist():
        rid[i] = _mistype(rid[i], int(positions[i]), int(pick[i] * 1000))
        log.append((i, "resident_id", "mistyped"))
    for i in np.flatnonzero(u[3] < config.resident_id_missing).tolist():
        rid[i] = ""
        log.append((i, "resident_id", "missing"))
    birth = persons["birth"].to_numpy().copy()
    off = u[4] < config.birth_date_digit
    shifts = rng.choice([-365, -10, -1, 1, 10, 365], n)
    birth[off] += shifts[off]
    log.extend((int(i), "birth_date", "digit_off") for i in np.flatnonzero(off))
    phone = persons["phone"].tolist()
    changed = np.flatnonzero(u[5] < config.phone_changed)
    for i, new in zip(changed.tolist(), ids.phones(rng, len(changed)), strict=True):
        phone[i] = new
        log.append((i, "phone", "changed"))
    frame = pd.DataFrame(log, columns=["row", "field", "noise"])
    return NoisyIdentity(name, birth, rid, phone, frame)
