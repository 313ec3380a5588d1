"""The Fellegi-Sunter model: comparisons, blocking rules and the guard on automatic links.

Splink 5 with the DuckDB backend estimates and applies it (see :mod:`hub.identity.scoring`);
this module only declares it. The resident ID is deliberately not a comparison: a shared
valid ID links deterministically and differing valid IDs keep records apart, both outside
the model.
"""

from __future__ import annotations

from typing import Any

from hub.identity.person import PersonRow

__all__ = [
    "AUTO_LINK_GUARD_SQL",
    "BLOCKING_RULES",
    "COMPARISONS",
    "INCOMPLETE_SQL",
    "PRIOR_RULES",
    "blocking_keys",
    "comparison_columns",
    "comparison_names",
]


def _level(sql: str, label: str, *, null: bool = False) -> dict[str, Any]:
    """One comparison level as Splink's settings dict spells it."""
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    return level


def _comparison(column: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    """A comparison over the levels given, most specific first, ending in ELSE."""
    return {
        "output_column_name": column,
        "comparison_description": column,
        "comparison_levels": [*levels, _level("ELSE", "all other")],
    }


def _null(column: str) -> dict[str, Any]:
    """The null level: the comparison says nothing when either side lacks the value."""
    return _level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', "null", null=True)


def _exact(column: str) -> dict[str, Any]:
    """Exact agreement on a column."""
    return _level(f'"{column}_l" = "{column}_r"', "exact")


def _overlap(share: float) -> str:
    """SQL: at least this share of the longer address's tokens occur in the other."""
    return (
        "len(list_intersect(address_tokens_l, address_tokens_r)) >= "
        f"{share} * greatest(len(address_tokens_l), len(address_tokens_r))"
    )


_NAME = _comparison(
    "name",
    [
        _null("name_pinyin"),
        _exact("name_hanzi"),  # gamma 5
        _level("name_pinyin_l = name_pinyin_r", "same pinyin (homophone or romanised)"),
        # western order only happens in pinyin: 芳伟 and 玮方 are two names, not one reversed
        _level(
            "name_fuzzy_l = name_fuzzy_r OR ((name_hanzi_l IS NULL OR name_hanzi_r IS NULL) "
            "AND name_sorted_l = name_sorted_r)",
            "fuzzy pinyin or reversed order",
        ),
        # a one-letter slip is only a typing variant when one side was typed in pinyin;
        # two character names one letter apart (张丽/张怡) are different names
        _level(
            "(name_hanzi_l IS NULL OR name_hanzi_r IS NULL) AND ("
            "damerau_levenshtein(name_pinyin_l, name_pinyin_r) <= 1 OR "
            "damerau_levenshtein(name_rotated_l, name_pinyin_r) <= 1 OR "
            "damerau_levenshtein(name_pinyin_l, name_rotated_r) <= 1)",
            "pinyin typo, either order",
        ),  # gamma 2
        _level("jaro_winkler_similarity(name_pinyin_l, name_pinyin_r) >= 0.88", "similar"),
    ],
)

_BIRTH_DATE = _comparison(
    "birth_date",
    [
        _null("birth_date"),
        _exact("birth_date"),  # gamma 3
        _level(
            "damerau_levenshtein(birth_date_l, birth_date_r) <= 1 OR ("
            "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AND "
            "substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) AND "
            "substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2))",
            "one digit off or month and day swapped",
        ),  # gamma 2
        _level("substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4)", "same year"),
    ],
)

_SEX = _comparison("sex", [_null("sex"), _exact("sex")])

_PHONE = _comparison(
    "phone",
    [
        _null("phone"),
        _exact("phone"),
        _level("damerau_levenshtein(phone_l, phone_r) <= 1", "one digit off"),
    ],
)

_ADDRESS = _comparison(
    "address",
    [
        _null("address_tokens"),
        _exact("address"),
        _level("address_house_l = address_house_r", "same house number, building and room"),
        _level(_overlap(0.75), "most tokens shared"),
        _level(_overlap(0.4), "some tokens shared"),
    ],
)

_GUARDIAN = _comparison(
    "guardian",
    [
        _null("guardian_pinyin"),
        _exact("guardian_pinyin"),
        _level("jaro_winkler_similarity(guardian_pinyin_l, guardian_pinyin_r) >= 0.9", "similar"),
    ],
)

#: The comparisons of the model, in Splink's settings-dict form.
COMPARISONS: list[dict[str, Any]] = [_NAME, _BIRTH_DATE, _SEX, _PHONE, _ADDRESS, _GUARDIAN]

#: Candidate pairs: any one rule suffices. Chosen so that 500,000 records stay within a
#: few million pairs while catching a typo in any one field.
BLOCKING_RULES: list[str] = [
    "l.name_fuzzy = r.name_fuzzy AND substr(l.birth_date, 1, 4) = substr(r.birth_date, 1, 4)",
    # name variants that share the whole birth date (and sex: twins are caught by name)
    "l.birth_date = r.birth_date AND l.sex = r.sex",
    "l.phone = r.phone",
    # a typo in the birth year: same name, sex, month and day
    "l.name_fuzzy = r.name_fuzzy AND l.sex = r.sex "
    "AND substr(l.birth_date, 6, 5) = substr(r.birth_date, 6, 5)",
]


def blocking_keys(row: PersonRow) -> list[tuple[int, tuple[str, ...]]]:
    """The keys a row joins on under each blocking rule, in Python (mirrors BLOCKING_RULES).

    Two rows are a candidate pair exactly when they share a key. An incremental run uses
    this to hand Splink only the existing rows that can pair with a new one, so its cost
    follows the change and not the population. A rule with a missing part gives no key
    (SQL's NULL never equals anything).
    """
    born, name, sex = row.birth_date, row.name_fuzzy, row.sex
    rules: list[tuple[str | None, ...]] = [
        (name, born[:4] if born else None),
        (born, sex),
        (row.phone,),
        (name, sex, born[5:10] if born else None),
    ]
    return [
        (i, tuple(str(p) for p in parts))
        for i, parts in enumerate(rules)
        if all(p is not None for p in parts)
    ]


#: Near-certain rules used to estimate the prior chance that two records match.
PRIOR_RULES: list[str] = [
    "l.resident_id = r.resident_id",
    "l.name_pinyin = r.name_pinyin AND l.birth_date = r.birth_date AND l.phone = r.phone",
]

#: SQL over a prediction row: may this pair be linked without a person looking? A wrong
#: merge is worse than none, so the name must agree (at worst by a pinyin typo) and the
#: birth date must be present and agree (at worst one digit off), whatever the other fields
#: say: twins share everything but the name, a parent and child everything but the birth
#: date, so a record missing either can only be linked by a resident ID or a person.
AUTO_LINK_GUARD_SQL = "(gamma_name >= 2 AND gamma_birth_date >= 2)"

#: SQL: the guard failed only because one side lacks the name or the birth date (the other
#: agrees), not because they disagree. Such a pair may still link when its record has one
#: candidate person and no look-alike (see ``hub.identity.engine``).
INCOMPLETE_SQL = (
    "((gamma_name = -1 AND gamma_birth_date >= 2) OR (gamma_name >= 2 AND gamma_birth_date = -1))"
)


def comparison_names() -> list[str]:
    """Names of the comparisons, in order (their gamma columns are ``gamma_<name>``)."""
    return [str(c["output_column_name"]) for c in COMPARISONS]


def comparison_columns() -> list[str]:
    """The person-row columns the model reads (besides the record key)."""
    return [
        "name_hanzi",
        "name_pinyin",
        "name_fuzzy",
        "name_sorted",
        "name_rotated",
        "sex",
        "birth_date",
        "resident_id",
        "phone",
        "address",
        "address_tokens",
        "address_house",
        "guardian_pinyin",
    ]
