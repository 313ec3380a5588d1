"""Resident ID numbers (GB 11643), phone numbers and local keys, generated in bulk.

Re-implemented here on purpose: the simulators know nothing of the hub.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "check_digit",
    "keys",
    "phones",
    "resident_ids",
]

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = "10X98765432"
#: Area codes of birthplaces: most patients were born in the district or the city.
_BIRTH_AREAS = ("310104", "310104", "310104", "310101", "310105", "320102", "330106", "340104")
_MOBILE_PREFIXES = np.array([130, 131, 133, 135, 136, 137, 138, 139, 150, 151, 158, 177, 186, 189])


def check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (0-9 or X) of a 17-digit body."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a resident ID body is exactly 17 digits")
    total = sum(int(d) * int(w) for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def resident_ids(
    rng: np.random.Generator, birth_days: npt.NDArray[np.int64], male: npt.NDArray[np.bool_]
) -> list[str]:
    """Valid 18-character resident IDs for people born on the given days (since 1970-01-01)."""
    n = len(birth_days)
    areas = np.array(_BIRTH_AREAS)[rng.integers(0, len(_BIRTH_AREAS), n)]
    births = np.datetime_as_string(birth_days.astype("datetime64[D]"))
    seq = rng.integers(0, 499, n) * 2 + np.where(male, 1, 2)  # odd for men, even for women
    bodies = [
        f"{a}{b[0:4]}{b[5:7]}{b[8:10]}{s:03d}" for a, b, s in zip(areas, births, seq, strict=True)
    ]
    digits = np.frombuffer("".join(bodies).encode(), dtype=np.uint8).reshape(n, 17) - 48
    checks = (digits.astype(np.int64) @ _WEIGHTS) % 11
    return [body + _CHECK[c] for body, c in zip(bodies, checks.tolist(), strict=True)]


def phones(rng: np.random.Generator, n: int) -> list[str]:
    """Random 11-digit mainland mobile numbers."""
    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    rest = rng.integers(0, 100_000_000, n)
    return [f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def keys(prefix: str, numbers: npt.NDArray[np.int64], width: int = 8) -> list[str]:
    """Local record keys such as ``H00000042`` from integer numbers."""
    return [f"{prefix}{k:0{width}d}" for k in numbers.tolist()]
