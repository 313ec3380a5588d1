"""The benchmark's fresh copies of mapped records: new ids everywhere, as clean as the sample."""

from __future__ import annotations

import re

import orjson

from hub.domain.records import RECORD_KINDS
from hub.quality.gate import load_bindings
from tests.validation.fresh import FreshCopies
from tests.validation.labelled import district, map_labelled
from validation.fhir import FhirChecks

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _samples() -> list[FreshCopies]:
    samples, kinds = [], set()
    for labelled in district(20, seed=3):
        if labelled.defect is not None or labelled.kind in kinds:
            continue
        found = map_labelled(labelled)
        if found is None:
            continue
        record, system, mapping = found
        kinds.add(labelled.kind)
        samples.append(FreshCopies(record, system, mapping.documents))
    return samples


def test_copies_check_clean_under_ids_of_their_own() -> None:
    checks = FhirChecks(load_bindings())
    samples = _samples()
    assert len(samples) == len(RECORD_KINDS)
    for sample in samples:
        original = set(_UUID.findall(sample.text.decode()))
        # ids derived from values a copy keeps (staff, organisations) repeat, as in a district
        kept = {u.decode() for u, (_, key) in sample.derived.items() if "~probe" not in key}
        assert len(kept) < len(original), sample.record.kind
        seen = original - kept
        for n in (1, 2):
            record, resources, text = sample.copy(n)
            assert orjson.loads(text) == resources
            ids = set(_UUID.findall(text.decode()))
            assert len(ids) == len(original)
            assert ids & original == kept
            assert not ids & seen  # every other id new, in each copy
            seen = seen | (ids - kept)
            assert record.source_key != sample.record.source_key
            system = sample.system
            assert checks.check(record, system, resources, structure_validated=True) == []


def test_a_copy_keeps_a_damage_the_checks_find() -> None:
    checks = FhirChecks(load_bindings())
    sample = next(s for s in _samples() if s.record.kind == "station.follow_up")
    record, resources, _ = sample.copy(7)
    reference = next(r for r in resources if "subject" in r)["subject"]
    reference["reference"] = reference["reference"].split("/")[0] + "/nobody"
    issues = checks.check(record, sample.system, resources, structure_validated=True)
    assert [i.check for i in issues] == ["fhir.reference"]
