"""Chinese personal names as comparable keys: characters, toneless pinyin, fuzzy pinyin.

A name reaches the hub as Chinese characters (张伟), as pinyin with tone marks (Zhāng Wěi),
with tone digits (zhang1 wei3), in capitals, hyphenated, or in western order (Wei Zhang).
Every form is reduced to the same toneless pinyin syllables so that they compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = ["NameKeys", "fuzzy_pinyin", "name_keys", "pinyin_syllables", "split_pinyin"]

_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_LETTER = re.compile(r"[^a-z]+")
_SEPARATORS = re.compile(r"[\s\-_'’.·•,]+")
# Southern-accent and keyboard confusions that typists make (模糊音): zh/z, ch/c, sh/s,
# final -ng/-n, initial l/n, initial h/f. Applied to both sides, so the key is symmetric.
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"), ("l", "n"), ("h", "f"))


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The comparison keys of one name; any may be None when the name is unusable."""

    hanzi: str | None
    pinyin: str | None
    fuzzy: str | None
    sorted_syllables: str | None
    #: Pinyin input only: the last syllable moved to the front, undoing western order
    #: (Wei Zhang -> zhangwei) even when a typo stops the syllables from sorting.
    rotated: str | None = None


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (built once, on first use)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(_strip_tones(reading))
    found.discard("")
    return frozenset(found)


def _strip_tones(text: str) -> str:
    """Lower-case ASCII pinyin: tone marks and digits dropped, ü written v (as pypinyin does)."""
    text = unicodedata.normalize("NFD", text.lower()).replace("u\u0308", "v")
    text = text.replace("u:", "v")
    return _NOT_LETTER.sub("", "".join(c for c in text if not unicodedata.combining(c)))


def split_pinyin(run: str) -> list[str] | None:
    """Split toneless pinyin without separators into syllables, or None if it cannot be."""
    known = _syllables()
    best: list[list[str] | None] = [None] * (len(run) + 1)
    best[0] = []
    for end in range(1, len(run) + 1):
        # prefer the split with the fewest syllables: 'xian' is one syllable, not xi'an
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and run[start:end] in known:
                candidate = [*head, run[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(run)]


@cache
def pinyin_syllables(name: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a name written in characters or in any pinyin form."""
    if _HANZI.search(name):
        from pypinyin import lazy_pinyin

        chars = "".join(_HANZI.findall(name))
        return tuple(_strip_tones(s) for s in lazy_pinyin(chars))
    parts = [p for p in (_strip_tones(part) for part in _SEPARATORS.split(name)) if p]
    # segment the whole run first: a typo may have moved the space (Haofengm Ao)
    whole = split_pinyin("".join(parts))
    if whole:
        return tuple(whole)
    syllables: list[str] = []
    for plain in parts:
        syllables.extend(split_pinyin(plain) or [plain])
    return tuple(syllables)


def fuzzy_pinyin(pinyin: str) -> str:
    """The pinyin with confusable sounds folded together (zh->z, ang->an, l->n...)."""
    for a, b in _FUZZY:
        pinyin = pinyin.replace(a, b)
    return pinyin


@cache
def name_keys(name: str | None) -> NameKeys:
    """All comparison keys of a name; cached because names repeat across sources."""
    if not name or not name.strip():
        return NameKeys(None, None, None, None)
    hanzi = "".join(_HANZI.findall(name)) or None
    syllables = pinyin_syllables(name)
    if not syllables:
        return NameKeys(hanzi, None, None, None)
    pinyin = "".join(syllables)
    several = len(syllables) > 1
    return NameKeys(
        hanzi=hanzi,
        pinyin=pinyin,
        fuzzy=fuzzy_pinyin(pinyin),
        sorted_syllables="".join(sorted(syllables)) if several else None,
        rotated="".join((syllables[-1], *syllables[:-1])) if several and not hanzi else None,
    )
