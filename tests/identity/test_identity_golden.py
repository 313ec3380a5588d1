"""The golden Patient and its links, by the documented survivorship rule."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.identifiers import resident_id_check_digit
from hub.identity import (
    RESIDENT_ID_SYSTEM,
    Link,
    LinkKind,
    form_clusters,
    golden_patient,
    golden_person_id,
    golden_successors,
    replacement_links,
    source_patient_link,
)

BODY = "31011519800229124"
VALID_ID = BODY + resident_id_check_digit(BODY)


def _member(pid: str, updated: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "meta": {"lastUpdated": updated}, **fields}


MEMBERS = [
    _member(
        "hosp-1",
        "2025-01-01T00:00:00Z",
        name=[{"text": "张伟"}],
        birthDate="1980-02-28",
        gender="male",
        identifier=[
            {"system": "https://carehub.org/fhir/sid/hospital-patient", "value": "H1"},
            {"system": RESIDENT_ID_SYSTEM, "value": VALID_ID},
        ],
        telecom=[{"system": "phone", "value": "13800000001"}],
    ),
    _member(
        "station-9",
        "2026-03-01T00:00:00Z",
        name=[{"text": "张玮"}],
        birthDate="1980-02-29",
        identifier=[{"system": RESIDENT_ID_SYSTEM, "value": VALID_ID[:-1] + "X"}],
        telecom=[{"system": "phone", "value": "13900000002"}],
        address=[{"text": "浦东新区碧波路88号"}],
    ),
    _member("agency-3", "2024-06-01T00:00:00Z", name=[{"text": "张伟"}], gender="female"),
    _member("agency-4", "2024-06-02T00:00:00Z", name=[{"family": "Zhang", "given": ["Wei"]}]),
]


def test_golden_patient_follows_the_survivorship_rule() -> None:
    g = golden_patient("gold-1", MEMBERS)
    assert g["id"] == "gold-1"
    assert g["resourceType"] == "Patient"
    assert g["name"] == [{"text": "张伟"}]  # two members against one
    assert (g["birthDate"], g["gender"]) == ("1980-02-29", "female")  # from the resident ID
    assert g["telecom"] == [{"system": "phone", "value": "13900000002"}]  # newest member
    assert g["address"] == [{"text": "浦东新区碧波路88号"}]
    values = [i["value"] for i in g["identifier"]]
    assert values == ["H1", VALID_ID]  # the ID failing its check digit is dropped
    assert g["link"] == [
        {"other": {"reference": f"Patient/{pid}"}, "type": "seealso"}
        for pid in ("agency-3", "agency-4", "hosp-1", "station-9")
    ]


def test_golden_patient_does_not_depend_on_member_order() -> None:
    assert golden_patient("g", MEMBERS) == golden_patient("g", list(reversed(MEMBERS)))


def test_without_an_id_birth_date_is_the_members_vote() -> None:
    members = [
        _member("a", "2025-01-01", birthDate="1970-01-01"),
        _member("b", "2025-01-02", birthDate="1970-01-07"),
        _member("c", "2025-01-03", birthDate="1970-01-01"),
    ]
    assert golden_patient("g", members)["birthDate"] == "1970-01-01"


def test_a_pinyin_name_is_used_only_when_no_member_has_characters() -> None:
    g = golden_patient("g", [_member("a", "", name=[{"text": "Zhang Wei"}])])
    assert g["name"] == [{"text": "Zhang Wei"}]


def test_an_empty_cluster_has_no_golden_patient() -> None:
    with pytest.raises(ValueError, match="at least one"):
        golden_patient("g", [])


def test_source_patient_points_to_its_golden_patient() -> None:
    assert source_patient_link("gold-1") == {
        "other": {"reference": "Patient/gold-1"},
        "type": "refer",
    }


def test_a_merge_that_brings_a_smaller_key_replaces_the_golden_id() -> None:
    before = form_clusters("bcd", [Link("b", "c", LinkKind.PROBABILISTIC)], {}, {})
    after = form_clusters(
        "abcd",
        [Link("b", "c", LinkKind.PROBABILISTIC), Link("a", "b", LinkKind.PROBABILISTIC)],
        {},
        {},
    )
    old, new = golden_person_id("b"), golden_person_id("a")
    assert golden_successors(before, after) == {old: new}
    assert replacement_links(old, new) == (
        {"other": {"reference": f"Patient/{new}"}, "type": "replaced-by"},
        {"other": {"reference": f"Patient/{old}"}, "type": "replaces"},
    )


def test_unchanged_clusters_have_no_successor() -> None:
    clusters = form_clusters("ab", [Link("a", "b", LinkKind.RESIDENT_ID)], {}, {})
    assert golden_successors(clusters, clusters) == {}
