"""The district checks find what they look for: a bad resource, a dangling reference, a
wrong or missing score (on a hand-made store, so each finding is known in advance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hub.domain.codes import code_system_url, identifier_system
from hub.domain.identifiers import stable_id
from hub.store import FhirStore
from tests.district.checks import check_district

SSRS_KEY = ("agency", "agency.scale", "S1")


def _observation(resource_id: str, code: str, value: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": resource_id,
        "status": "final",
        "code": {"coding": [{"system": code_system_url("carehub-observation"), "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "valueInteger": value,
    }


def _provenance(kind: str, key: str, targets: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "Provenance",
        "id": stable_id("agency", "Provenance", f"{kind}|{key}"),
        "target": [{"reference": t} for t in targets],
        "recorded": "2024-01-01T00:00:00+08:00",
        "agent": [{"who": {"display": "agency"}}],
        "entity": [
            {
                "role": "source",
                "what": {
                    "identifier": {
                        "system": identifier_system("agency-record"),
                        "value": f"{kind}|{key}",
                    }
                },
            }
        ],
    }


def _truth(folder: Path, scores: list[tuple[str, str, int]]) -> Path:
    folder.mkdir()
    rows = [(*SSRS_KEY[:2], key, "SSRS", score, value) for key, score, value in scores]
    columns = ["source_system", "record_kind", "source_key", "scale", "score", "value"]
    pd.DataFrame(rows, columns=columns).to_parquet(folder / "scale_scores.parquet")
    keys = sorted({key for key, _, _ in scores})
    persons = pd.DataFrame(
        {"source_system": "agency", "record_kind": "agency.scale", "source_key": keys}
    )
    persons["person_id"] = "P0000001"
    persons.to_parquet(folder / "record_persons.parquet")
    return folder


def test_each_kind_of_problem_is_found(store: FhirStore, tmp_path: Path) -> None:
    store.write_many(
        [
            {"resourceType": "Patient", "id": "p1"},
            {"resourceType": "Patient", "id": "bad", "birthDate": "31-02-2024"},
            _observation("o1", "ssrs-total", 30),
            {**_observation("o2", "ssrs-objective", 9), "subject": {"reference": "Patient/gone"}},
            _provenance("agency.scale", "S1", ["Observation/o1", "Observation/o2"]),
        ]
    )
    truth = _truth(
        tmp_path / "truth", [("S1", "total", 31), ("S1", "objective", 9), ("S2", "total", 12)]
    )
    check = check_district(store, truth)
    assert check.resources == 5
    assert [p.split(":")[0] for p in check.invalid] == ["Patient/bad"]
    assert [u.split(" -> ")[1] for u in check.unresolved] == ["Patient/gone"]
    assert check.scores_compared == 2
    assert len(check.mismatches) == 2
    assert "hub 30, truth 31" in check.mismatches[0]
    assert "S2" in check.mismatches[1]


def test_a_consistent_store_has_no_findings(store: FhirStore, tmp_path: Path) -> None:
    store.write_many(
        [
            {"resourceType": "Patient", "id": "p1"},
            _observation("o1", "ssrs-total", 31),
            _provenance("agency.scale", "S1", ["Observation/o1"]),
        ]
    )
    check = check_district(store, _truth(tmp_path / "truth", [("S1", "total", 31)]))
    assert (check.invalid, check.unresolved, check.mismatches) == ([], [], [])
    assert (check.references, check.scores_compared, check.expected_scores) == (2, 1, 1)
