"""The identity state in rows: a sync or a decision reads and writes what it touches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import event, func, insert, select, text

from hub.config import Settings
from hub.identity import IdentitySettings
from hub.identity.clustering import Clustering, Link, LinkKind, RefusedLink
from hub.identity.codec import state_to_json
from hub.identity.decisions import DecisionKind, ReviewDecision
from hub.identity.engine import Resolution, ReviewItem
from hub.identity.person import PersonRow, person_row
from hub.identity.review import identity_service, relink
from hub.identity.schema import identity_block, identity_record, identity_state
from hub.identity.scoring import LinkageModel
from hub.identity.service import (
    IdentityService,
    InMemoryGoldenWriter,
    InMemoryResolutionState,
    StateView,
)
from hub.identity.state_writes import row_digests
from hub.identity.store_adapters import StoreDecisionLog, StorePatientReader, StoreResolutionState
from hub.security.at_rest import field_sealer
from hub.store import FhirStore, open_store
from hub.store.engine import make_engine
from tests.identity.identity_synthetic import generate

pytestmark = pytest.mark.slow

SETTINGS = IdentitySettings(u_sample_pairs=5e5)
NEW = 5  # records in the incremental sync


@dataclass
class Writes:
    """Rows and parameter bytes written to the identity tables while counting."""

    rows: int = 0
    bytes: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counting_writes(store: FhirStore) -> Iterator[Writes]:
    """Count what INSERT, UPDATE and DELETE statements on identity tables write."""
    writes = Writes()

    def after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb not in ("INSERT", "UPDATE", "DELETE") or "identity_" not in statement:
            return
        sets = len(parameters) if many else 1
        writes.rows += cursor.rowcount if cursor.rowcount >= 0 else sets
        writes.bytes += len(repr(parameters))
        writes.statements.append(statement)

    event.listen(store.engine, "after_cursor_execute", after)
    try:
        yield writes
    finally:
        event.remove(store.engine, "after_cursor_execute", after)


class ViewSpy(StoreResolutionState):
    """The store's state, remembering the size of each view it hands out."""

    def __init__(self, store: FhirStore) -> None:
        super().__init__(store)
        self.viewed: list[int] = []

    def load_around(
        self,
        incoming: Sequence[PersonRow],
        keys: Iterable[str],
        ruled: Iterable[tuple[str, str]],
    ) -> StateView | None:
        view = super().load_around(incoming, keys, ruled)
        self.viewed.append(-1 if view is None else len(view.rows))
        return view


def _linked_but(store: FhirStore, held: int) -> tuple[list[str], Writes]:
    """Store a synthetic district, link all but ``held`` records spread over it.

    Returns the held records' ids (stored, not linked yet) and what the full run wrote.
    """
    patients = generate(1500, seed=31).patients
    later = {p["id"] for p in patients[7 :: len(patients) // held][:held]}
    store.write_many([p for p in patients if p["id"] not in later])
    with counting_writes(store) as full:
        relink(store, SETTINGS)
    store.write_many([p for p in patients if p["id"] in later])
    return sorted(later), full


def _spied(store: FhirStore) -> tuple[IdentityService, ViewSpy]:
    service = identity_service(store, SETTINGS)
    spy = ViewSpy(store)
    service.state = spy
    return service, spy


def _in_memory(store: FhirStore) -> tuple[IdentityService, InMemoryResolutionState]:
    """The same service on the whole state, held in memory: the reference behaviour."""
    state = InMemoryResolutionState()
    state.saved = StoreResolutionState(store).load()
    reader, log = StorePatientReader(store), StoreDecisionLog(store)
    return IdentityService(reader, InMemoryGoldenWriter(), state, log, SETTINGS), state


def _summary(resolution: Resolution) -> tuple[Any, ...]:
    clustering = resolution.clustering
    return (
        clustering.cluster_of,
        sorted(resolution.links, key=repr),
        sorted(clustering.refused, key=repr),
        {(i.left, i.right): i for i in resolution.review_queue},
        sorted(resolution.quality_issues, key=repr),
    )


def test_a_sync_of_k_records_reads_and_writes_rows_around_them(store: FhirStore) -> None:
    new_ids, full = _linked_but(store, NEW)
    population = len(StorePatientReader(store).patients(None))
    reference, memory = _in_memory(store)
    expected = reference.link(new_ids)
    service, spy = _spied(store)
    with counting_writes(store) as incremental:
        counts = service.link(new_ids)
    (viewed,) = spy.viewed
    assert 0 < viewed < population / 10  # the held records' partners and their clusters
    assert incremental.rows < full.rows / 10
    assert incremental.bytes < full.bytes / 10
    assert counts == expected
    saved, kept = StoreResolutionState(store).load(), memory.load()
    assert saved is not None
    assert kept is not None
    assert _summary(saved[1]) == _summary(kept[1])
    assert sorted(saved[0], key=lambda r: r.record_key) == sorted(
        kept[0], key=lambda r: r.record_key
    )


def test_a_decision_on_two_records_writes_a_few_rows(store: FhirStore) -> None:
    _linked_but(store, 1)
    saved = StoreResolutionState(store).load()
    assert saved is not None
    members = next(m for m in saved[1].clustering.members.values() if len(m) >= 2)
    left, right = members[0], members[1]
    decision = ReviewDecision(
        DecisionKind.SPLIT, ((left,), (right,)), "dr.li", datetime.now(UTC), "two mothers"
    )
    StoreDecisionLog(store).record(decision)
    reference, memory = _in_memory(store)
    expected = reference.apply_decisions([left, right])
    service, spy = _spied(store)
    with counting_writes(store) as writes:
        counts = service.apply_decisions([left, right])
    assert spy.viewed[0] < len(saved[0]) / 10
    assert writes.rows < len(saved[0]) / 10
    assert counts == expected
    after, kept = StoreResolutionState(store).load(), memory.load()
    assert after is not None
    assert kept is not None
    assert after[1].clustering.cluster_of[left] != after[1].clustering.cluster_of[right]
    assert _summary(after[1]) == _summary(kept[1])


def _small_run() -> tuple[list[PersonRow], Resolution]:
    """A hand-made run: two persons of two records, a refused link, a review item."""
    patients = generate(40, seed=7).patients[:4]
    rows = [person_row(p) for p in patients]
    a, b, c, d = sorted(r.record_key for r in rows)
    clustering = Clustering(
        {"g1": (a, b), "g2": (c, d)},
        {a: "g1", b: "g1", c: "g2", d: "g2"},
        (RefusedLink(Link(b, c, LinkKind.PROBABILISTIC, 0.97), "name-conflict"),),
    )
    links = (Link(a, b, LinkKind.RESIDENT_ID), Link(c, d, LinkKind.PROBABILISTIC, 0.99))
    queue = (ReviewItem(a, c, 0.8, "possible-match", (3, 2, 1, -1, 0, 0)),)
    issues = tuple(i for r in rows for i in r.issues)
    model = LinkageModel({"link_type": "dedupe_only"}, 12)
    return rows, Resolution(clustering, links, queue, issues, model)


def test_a_first_format_state_is_converted_to_rows_on_load(store: FhirStore) -> None:
    rows, resolution = _small_run()
    document = orjson.dumps(state_to_json(rows, resolution)).decode()
    with store.engine.begin() as conn:
        at = datetime(2026, 11, 1)
        conn.execute(insert(identity_state).values(name="current", saved_at=at, content=document))
    loaded = StoreResolutionState(store).load()
    assert loaded is not None
    assert _summary(loaded[1]) == _summary(resolution)
    assert loaded[1].model == resolution.model
    assert sorted(loaded[0], key=repr) == sorted(rows, key=repr)
    with store.reading() as session:
        assert session.conn.execute(select(func.count()).select_from(identity_record)).scalar() == 4
        (content,) = session.conn.execute(select(identity_state.c.content)).one()
    assert "rows" not in orjson.loads(content)


def test_partners_are_found_through_sealed_digests(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite'}", sealer=field_sealer(Settings()))
    try:
        held, _ = _linked_but(store, NEW)
        incoming = [person_row(p) for p in StorePatientReader(store).patients(held)]
        saved = StoreResolutionState(store).load()
        assert saved is not None
        wanted = {d for row in incoming for d in row_digests(row)}
        sharing = {r.record_key for r in saved[0] if row_digests(r) & wanted}
        assert sharing  # held records of known persons share keys with stored ones
        view = StoreResolutionState(store).load_around(incoming, [], [])
        assert view is not None
        assert sharing <= {r.record_key for r in view.rows}
        with store.reading() as session:
            # read back through the sealer: plain digests; stored: permuted ones
            revealed = {d for (d,) in session.conn.execute(select(identity_block.c.key_digest))}
        raw = make_engine(store.engine.url.render_as_string(hide_password=False))
        try:
            with raw.connect() as conn:
                stored = {d for (d,) in conn.execute(text("SELECT key_digest FROM identity_block"))}
        finally:
            raw.dispose()
        assert wanted & revealed
        assert not stored & revealed
    finally:
        store.engine.dispose()
