"""Chinese personal names, their pinyin spellings and the typos clerks make."""

from __future__ import annotations

from functools import cache

import numpy as np
from pypinyin import Style, lazy_pinyin

__all__ = [
    "COMMON_NAMES",
    "SURNAMES",
    "chinese_names",
    "homophone_typo",
    "pinyin_spelling",
]

#: Surnames with rough frequency weights (most common first).
SURNAMES = (
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.3),
    ("陈", 4.6),
    ("杨", 3.1),
    ("黄", 2.2),
    ("赵", 2.1),
    ("吴", 2.0),
    ("周", 1.9),
    ("徐", 1.5),
    ("孙", 1.4),
    ("马", 1.3),
    ("朱", 1.2),
    ("胡", 1.1),
    ("郭", 1.1),
    ("何", 1.0),
    ("林", 0.9),
    ("罗", 0.9),
    ("高", 0.9),
    ("郑", 0.8),
    ("梁", 0.7),
    ("谢", 0.6),
    ("宋", 0.6),
    ("唐", 0.5),
    ("许", 0.5),
    ("韩", 0.5),
    ("冯", 0.5),
    ("邓", 0.5),
    ("曹", 0.4),
    ("彭", 0.4),
    ("曾", 0.4),
    ("萧", 0.3),
    ("田", 0.3),
    ("董", 0.3),
    ("潘", 0.3),
    ("袁", 0.3),
    ("蔡", 0.3),
    ("蒋", 0.3),
    ("余", 0.3),
    ("于", 0.3),
    ("杜", 0.3),
)

#: Given-name characters in groups that sound alike: a typo swaps within a group.
_MALE_GROUPS = (
    "伟玮炜",
    "明鸣铭",
    "华桦",
    "军钧",
    "勇涌",
    "强蔷",
    "杰洁",
    "俊峻骏",
    "建健",
    "国帼",
    "志智",
    "平萍",
    "斌彬",
    "刚钢",
    "磊垒",
    "超潮",
    "波博",
    "涛韬",
    "辉晖",
    "鹏朋",
    "飞菲",
    "文雯",
    "东冬",
    "海",
    "林琳",
    "兵冰",
    "宇雨禹",
    "浩皓",
    "亮",
    "荣嵘",
    "成诚",
    "新欣",
)
_FEMALE_GROUPS = (
    "丽莉俐",
    "芳方",
    "娜那",
    "敏闽",
    "静晶",
    "秀",
    "英瑛",
    "华桦",
    "慧惠蕙",
    "娟鹃",
    "艳燕",
    "玲铃",
    "霞",
    "红宏虹",
    "燕艳",
    "梅玫",
    "琳林",
    "萍平",
    "婷亭",
    "雪",
    "颖莹",
    "洁杰",
    "倩茜",
    "佳嘉",
    "颖影",
    "凤",
    "兰岚",
    "春",
    "丹",
    "月",
    "云芸",
    "晓小",
)
#: Names so common that unrelated patients share them (hard negatives).
COMMON_NAMES = ("张伟", "王伟", "王芳", "李伟", "刘伟", "李娜", "张敏", "李静", "王静", "刘洋")

_SIMILAR = {c: g for groups in (_MALE_GROUPS, _FEMALE_GROUPS) for g in groups for c in g}


def _pool(groups: tuple[str, ...]) -> np.ndarray:
    return np.array([g[0] for g in groups] + [c for g in groups for c in g[1:]])


_MALE_CHARS = _pool(_MALE_GROUPS)
_FEMALE_CHARS = _pool(_FEMALE_GROUPS)
_SURNAME_CHARS = np.array([s for s, _ in SURNAMES])
_SURNAME_P = np.array([w for _, w in SURNAMES]) / sum(w for _, w in SURNAMES)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surnames drawn by frequency."""
    return _SURNAME_CHARS[rng.choice(len(_SURNAME_CHARS), n, p=_SURNAME_P)]


def given_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """One- or two-character given names fitting each person's sex."""
    n = len(male)
    first_m = _MALE_CHARS[rng.integers(0, len(_MALE_CHARS), n)]
    first_f = _FEMALE_CHARS[rng.integers(0, len(_FEMALE_CHARS), n)]
    second_m = _MALE_CHARS[rng.integers(0, len(_MALE_CHARS), n)]
    second_f = _FEMALE_CHARS[rng.integers(0, len(_FEMALE_CHARS), n)]
    two = rng.random(n) < 0.6
    first = np.where(male, first_m, first_f)
    second = np.where(two, np.where(male, second_m, second_f), "")
    return [a + b for a, b in zip(first.tolist(), second.tolist(), strict=True)]


def chinese_names(rng: np.random.Generator, male: np.ndarray) -> list[str]:
    """Full names (surname + given name) in Chinese characters."""
    family = surnames(rng, len(male))
    return [s + g for s, g in zip(family.tolist(), given_names(rng, male), strict=True)]


def homophone_typo(name: str, pick: float) -> str:
    """The name with one given-name character swapped for a similar one (pick in [0, 1))."""
    positions = [i for i, c in enumerate(name) if i > 0 and len(_SIMILAR.get(c, "")) > 1]
    if not positions:
        return name
    i = positions[int(pick * len(positions))]
    options = [c for c in _SIMILAR[name[i]] if c != name[i]]
    return name[:i] + options[int(pick * 997) % len(options)] + name[i + 1 :]


@cache
def _syllables(name: str, tones: bool) -> tuple[str, ...]:
    style = Style.TONE if tones else Style.NORMAL
    return tuple(lazy_pinyin(name, style=style))


def pinyin_spelling(name: str, variant: int) -> str:
    """The name in pinyin, in one of six spellings clerks use (variant 0-5)."""
    syl = _syllables(name, variant == 5)
    family, given = syl[0], "".join(syl[1:])
    match variant % 6:
        case 0:
            return f"{family.capitalize()} {given.capitalize()}"
        case 1:
            return f"{family.upper()} {given.capitalize()}"
        case 2:
            return f"{family} {given}"
        case 3:
            return (family + given).capitalize()
        case 4:
            return f"{given.capitalize()} {family.capitalize()}"
        case _:
            return f"{family.capitalize()} {given.capitalize()}"
