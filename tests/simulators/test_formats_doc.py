"""FORMATS.md describes exactly what the simulator writes, in the terms of records.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.domain.records import RECORD_KINDS
from simulators import SimulationSummary
from simulators.station import STATION_KEYS
from tests.simulators import readers

DOC = Path(__file__).resolve().parents[2] / "simulators" / "FORMATS.md"
_SECTION = re.compile(r"^### `([^`]+)`.*\(`([a-z_.]+)`, key `([^`]+)`\)", re.MULTILINE)


def _tables() -> dict[str, tuple[str, dict[str, str]]]:
    """Section name (view or file pattern) -> (record kind, native column -> mapped field)."""
    text = DOC.read_text(encoding="utf-8")
    out: dict[str, tuple[str, dict[str, str]]] = {}
    matches = list(_SECTION.finditer(text))
    for i, m in enumerate(matches):
        body = text[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        body = body.split("\n## ")[0]  # the section ends at the next chapter
        columns = {}
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            is_row = len(cells) >= 3 and line.startswith("|") and not set(cells[0]) <= set("-")
            if is_row and cells[0] not in ("column", "header"):
                columns[cells[0]] = cells[2]
        out[m.group(1).split("_YYYYMM")[0]] = (m.group(2), columns)
    return out


def test_every_section_names_a_record_kind_and_its_fields() -> None:
    tables = _tables()
    assert len(tables) == 9  # five HIS views, four station exports
    for name, (kind, columns) in tables.items():
        fields = set(RECORD_KINDS[kind].model_fields)
        for native, mapped in columns.items():
            target = mapped.split(" ")[0]
            assert target in fields, f"{name}.{native} -> {mapped}"


def test_station_files_have_exactly_the_documented_headers(clean_run: SimulationSummary) -> None:
    tables = _tables()
    for export in STATION_KEYS:
        header = list(
            readers.read_station_file(readers.station_files(clean_run.out, export)[0]).columns
        )
        assert header == list(tables[export][1]), export


def test_his_views_have_exactly_the_documented_columns(clean_run: SimulationSummary) -> None:
    tables = _tables()
    for view in (
        "v_patient",
        "v_admission",
        "v_diagnosis",
        "v_medication_order",
        "v_scale_assessment",
    ):
        assert list(readers.read_his(clean_run.out, view).columns) == list(tables[view][1])


@pytest.mark.parametrize("collection", list(readers.agency_collections()))
def test_agency_documents_validate_as_records(
    clean_run: SimulationSummary, collection: str
) -> None:
    kind = {
        "cases": "agency.case",
        "needs-assessments": "agency.needs_assessment",
        "scales": "agency.scale",
        "care-plans": "agency.care_plan",
        "contacts": "agency.contact",
        "interventions": "agency.intervention",
        "supervisions": "agency.supervision",
        "closures": "agency.closure",
    }[collection]
    docs = readers.read_agency(clean_run.out, collection)
    for doc in docs:
        record = RECORD_KINDS[kind].model_validate(doc)
        assert record.source_key == doc[readers.agency_collections()[collection]]
