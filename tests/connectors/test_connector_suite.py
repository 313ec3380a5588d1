"""The shared suite every connector passes, over a small simulated district."""

from __future__ import annotations

from pydantic import ValidationError

from connectors.base import Cursor, Page
from hub.domain.records import RECORD_KINDS
from tests.connectors.conftest import District, Subject


def _drain(subject: Subject, cursor: Cursor | None = None) -> list[Page]:
    connector = subject.build()
    pages = []
    for page in connector.pages(cursor):
        connector.after_landed(page)
        pages.append(page)
    connector.close()
    return pages


def _records(pages: list[Page]) -> list[tuple[str, str | None, str]]:
    return [(r.record_kind, r.source_key, r.content_hash) for p in pages for r in p.records]


def test_pages_until_exhausted_and_every_record_arrives(subject: Subject, district: District):
    pages = _drain(subject)
    assert len(pages) > 1
    assert len(_records(pages)) == district.expected(subject.kinds)


def test_records_have_keys_kinds_and_parse(subject: Subject, district: District):
    fatal = district.fatal_keys(subject.system)
    failures = []
    for page in _drain(subject):
        for raw in page.records:
            assert raw.problem is None
            assert raw.record_kind in RECORD_KINDS
            assert raw.source_key
            try:
                RECORD_KINDS[raw.record_kind].model_validate(raw.payload)
            except ValidationError:
                failures.append((raw.record_kind, raw.source_key))
    # only records the simulator damaged on purpose may fail to parse
    assert set(failures) <= fatal


def test_resume_from_a_checkpoint_yields_nothing_twice(subject: Subject):
    pages = _drain(subject)
    middle = len(pages) // 2
    before = _records(pages[: middle + 1])
    after = _records(_drain(subject, pages[middle].cursor))
    assert sorted(before + after) == sorted(_records(pages))


def test_second_run_without_change_yields_only_unchanged(subject: Subject):
    pages = _drain(subject)
    first = set(_records(pages))
    again = _records(_drain(subject, pages[-1].cursor))
    assert set(again) <= first


def test_unreadable_unit_becomes_a_problem_record(subject: Subject):
    if subject.damage is None:
        return  # a database row is always readable; bad values fail parsing instead
    pages = _drain(subject)
    subject.damage()
    fresh = _drain(subject, pages[-1].cursor) if subject.system != "agency" else _drain(subject)
    problems = [r for p in fresh for r in p.records if r.problem]
    assert len(problems) == 1
    assert problems[0].origin
    assert len(problems[0].problem or "") > 20
