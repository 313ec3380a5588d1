"""The hub's cross-source pass over a store (``check_store``) reads only the Observations it
judges, and reports what the pass reports over every stored resource, on both databases."""

from __future__ import annotations

from typing import Any

from hub.quality.service import check_store
from hub.store import FhirStore
from tests.validation.test_plausibility import _scale, implausible_district
from validation.plausibility import cross_source_tallies


def _other(oid: str, pid: str, code: str) -> dict[str, Any]:
    """An Observation the pass passes over (adherence, symptoms, a scale's subscore)."""
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": "2024-04-01",
        "valueInteger": 4,
    }


def _district() -> list[dict[str, Any]]:
    return [
        *implausible_district(),
        *(_other(f"other-{n}", "stat-p", code) for n, code in enumerate(_PASSED_OVER)),
        *_visit_form(),
        *_unsummed_total(),
    ]


def _visit_form() -> list[dict[str, Any]]:
    """A response that Observations other than a total are derived from (a visit form)."""
    form, answer = _scale("qr-form", "symptoms-from-form", [2, 2], 4)
    answer["code"] = {"coding": [{"code": "symptoms"}]}
    return [form, answer]


def _unsummed_total() -> list[dict[str, Any]]:
    """A total of a scale that is not the plain sum of its items (SSRS): never compared."""
    form, total = _scale("qr-ssrs", "ssrs-total-off", [1, 2], 9)
    form["questionnaire"] = "https://carehub.org/fhir/Questionnaire/ssrs|1.0.0"
    total["code"] = {"coding": [{"code": "ssrs-total"}]}
    return [form, total]


#: Codes near the judged ones: neither a risk level nor a total.
_PASSED_OVER = ("adherence", "risk-level-note", "total", "bprs-total-note", "symptoms")


def test_the_pass_over_the_store_reports_what_the_pass_over_every_resource_reports(
    store: FhirStore,
) -> None:
    resources = _district()
    store.write_many(resources)
    expected = {(t.check, t.checked, t.failed) for t in cross_source_tallies(resources)}
    run = check_store(store)
    assert {(r.check, r.checked, r.failed) for r in run.results} == expected
    failed = {r.check: set(r.examples) for r in run.results if r.failed}
    assert failed == {
        "xsource.discharge_before_admission": {"bad-stay"},
        "xsource.follow_up_during_stay": {"home-during-stay"},
        "xsource.high_risk_without_action": {"risk-ignored"},
        "xsource.scale_total_mismatch": {"total-bad"},
        "xsource.visits_after_death": {"after-death"},
    }
