"""The rules over a real store: Tasks opened, kept when nothing changes, closed by evidence."""

from __future__ import annotations

from hub.config import FollowUpRules
from hub.continuity.rules import ContinuityOptions
from hub.continuity.service import evaluate_store, person_ids
from hub.continuity.tasks import RULE_SYSTEM
from hub.continuity.worklist import worklist
from hub.store import FhirStore
from tests.continuity.district import D0, three_sources
from tests.continuity.history import days

OPTIONS = ContinuityOptions(FollowUpRules())


def _tasks(store: FhirStore, rule: str, status: str) -> list[dict]:  # type: ignore[type-arg]
    with store.reading() as session:
        return [i.as_dict() for i in worklist(session, rule=rule, status=status)]


def test_a_golden_record_is_one_person(store: FhirStore) -> None:
    resources, _ = three_sources()
    store.write_many(resources)
    with store.reading() as session:
        assert person_ids(session.conn) == ["w-g"]


def test_gap_opens_stays_and_closes_with_the_evidence(store: FhirStore) -> None:
    resources, parts = three_sources()
    store.write_many(resources)
    first = evaluate_store(store, as_of=days(D0, 15), options=OPTIONS)
    (gap,) = _tasks(store, "discharge-follow-up", "requested")
    assert gap["patient_id"] == "w-g"
    assert (gap["organization"], gap["case_manager"], gap["street"]) == (
        "Organization/w-org",
        "Practitioner/pd1",
        "110105004",
    )
    assert gap["due"] == days(D0, 14).isoformat()
    again = evaluate_store(store, as_of=days(D0, 15), options=OPTIONS)
    assert first.written > 0
    assert again.written == 0  # same evidence, same Tasks: nothing rewritten
    visit = parts["station"].follow_up(days(D0, 16), klass="2")
    store.write_many(parts["station"].resources)
    later = evaluate_store(store, as_of=days(D0, 17), options=OPTIONS)
    assert later.closed >= 1
    assert _tasks(store, "discharge-follow-up", "requested") == []
    (done,) = _tasks(store, "discharge-follow-up", "completed")
    task = store.read("Task", done["task_id"]).as_dict()
    assert task["output"][0]["valueReference"]["reference"] == visit
    assert task["executionPeriod"]["end"] == days(D0, 16).isoformat()


def test_worklist_filters_per_team_case_manager_and_rule(store: FhirStore) -> None:
    resources, _ = three_sources()
    store.write_many(resources)
    evaluate_store(store, as_of=days(D0, 15), options=OPTIONS)
    with store.reading() as session:
        station = worklist(session, organization="w-org")
        nobody = worklist(session, organization="elsewhere")
        mine = worklist(session, owner="pd1")
        rules = {i.rule for i in worklist(session)}
    assert station
    assert nobody == []
    assert {i.task_id for i in mine} == {i.task_id for i in station}
    assert rules == {"discharge-follow-up", "medication-non-adherence", "lost-to-follow-up"}


def test_tasks_are_indexed_for_fhir_search(store: FhirStore) -> None:
    from sqlalchemy import select

    from hub.store.schema import idx_token

    resources, _ = three_sources()
    store.write_many(resources)
    summary = evaluate_store(store, as_of=days(D0, 15), options=OPTIONS)
    with store.reading() as session:
        codes = (
            session.conn.execute(
                select(idx_token.c.code).where(
                    idx_token.c.resource_type == "Task", idx_token.c.system == RULE_SYSTEM
                )
            )
            .scalars()
            .all()
        )
    assert sorted(codes) == sorted(r for r, n in summary.by_rule.items() for _ in range(n))


def test_batch_loading_gives_each_person_their_own_resources(store: FhirStore) -> None:
    from hub.continuity.service import batch_resources, person_members, person_resources

    for prefix in ("a", "b"):
        store.write_many(three_sources(prefix)[0])
    with store.reading() as session:
        members = person_members(session.conn)
        grouped = batch_resources(session, members)
        for person in ("a-g", "b-g"):
            one = person_resources(session, person)
            key = sorted((r["resourceType"], r["id"]) for r in one)
            assert sorted((r["resourceType"], r["id"]) for r in grouped[person]) == key
    assert members["a-g"] == ["a-g", "a-s", "a-h", "a-a"]


def test_agency_and_hospital_gaps_are_owned_by_organizations_in_the_store(
    store: FhirStore,
) -> None:
    from hub.continuity.tasks import source_organization
    from tests.continuity.history import History

    resources, parts = three_sources()
    parts["hospital"].admission(days(D0, 10), None)  # back within 30 days of D0
    lone = History("lone-a", source="agency")
    lone.case(days(D0, -60), manager="Practitioner/sw9")  # a case with no plan
    store.write_many(resources + parts["hospital"].resources[-1:] + lone.resources)
    evaluate_store(store, as_of=days(D0, 15), options=OPTIONS)
    agency, hospital = source_organization("agency"), source_organization("hospital")
    with store.reading() as session:
        by_rule = {i.rule: i for i in worklist(session)}
        for_agency = worklist(session, organization=agency["id"])
        for_hospital = worklist(session, organization=f"Organization/{hospital['id']}")
        for_worker = worklist(session, owner="Practitioner/sw9")
    assert by_rule["case-plan-missing"].organization == f"Organization/{agency['id']}"
    assert by_rule["readmission-review"].organization == f"Organization/{hospital['id']}"
    for item in by_rule.values():  # every owner resolves to an Organization in the store
        kind, oid = item.organization.split("/")
        assert kind == "Organization"
        assert store.read("Organization", oid).as_dict()["name"] == item.organization_name
    assert [i.rule for i in for_agency] == ["case-plan-missing"]
    assert [i.rule for i in for_hospital] == ["readmission-review"]
    assert [i.rule for i in for_worker] == ["case-plan-missing"]
