"""Clusters under cannot-link constraints, and reviewer decisions. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.identity import (
    InMemoryDecisionLog,
    Link,
    LinkKind,
    accept,
    form_clusters,
    golden_person_id,
    reject,
    split,
)
from hub.identity.decisions import DecisionKind, ReviewDecision, pair_rulings

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _prob(a: str, b: str, p: float = 0.999) -> Link:
    return Link(a, b, LinkKind.PROBABILISTIC, p)


def _together(clustering: object, a: str, b: str) -> bool:
    of = clustering.cluster_of  # type: ignore[attr-defined]
    return bool(of[a] == of[b])


def test_links_chain_records_into_one_cluster_named_by_smallest_key() -> None:
    c = form_clusters("abcd", [_prob("a", "b"), _prob("b", "c")], {}, {})
    assert c.members[golden_person_id(["a"])] == ("a", "b", "c")
    assert c.cluster_of["d"] == golden_person_id(["d"])


def test_a_reject_holds_through_a_chain_of_other_records() -> None:
    log = InMemoryDecisionLog()
    reject(log, "c", "a", reviewer="dr.li", at=T0, reason="different mothers")
    c = form_clusters(
        "abc", [_prob("a", "b", 0.9999), _prob("b", "c")], pair_rulings(log.decisions()), {}
    )
    assert not _together(c, "a", "c")
    assert _together(c, "a", "b")  # the stronger link wins the middle record
    assert [r.reason for r in c.refused] == ["reviewer-rejected"]


def test_a_split_keeps_groups_apart_even_through_new_links() -> None:
    log = InMemoryDecisionLog()
    split(log, [["a", "b"], ["c"]], reviewer="sw.wang", at=T0, reason="twins")
    links = [_prob("a", "b"), _prob("b", "c"), _prob("a", "c"), _prob("c", "d"), _prob("d", "a")]
    c = form_clusters("abcd", links, pair_rulings(log.decisions()), {})
    assert _together(c, "a", "b")
    assert not _together(c, "a", "c")
    assert not _together(c, "b", "c")


def test_different_valid_resident_ids_never_merge_automatically() -> None:
    ids = {"a": "ID1", "b": "ID2"}
    c = form_clusters("abc", [_prob("a", "c"), _prob("c", "b")], {}, ids)
    assert not _together(c, "a", "b")
    assert c.refused[0].reason == "resident-id-conflict"


def test_a_reviewer_accept_overrides_conflicting_ids_but_not_a_reject() -> None:
    log = InMemoryDecisionLog()
    accept(log, "a", "b", reviewer="dr.li", at=T0, reason="ID typed for the mother")
    reject(log, "b", "c", reviewer="dr.li", at=T0, reason="not him")
    accept(log, "a", "c", reviewer="dr.zhao", at=T0 + timedelta(hours=1), reason="looks same")
    c = form_clusters("abc", [], pair_rulings(log.decisions()), {"a": "ID1", "b": "ID2"})
    assert _together(c, "a", "b")
    assert not _together(c, "a", "c")
    assert [d.reviewer for d in c.conflicts] == ["dr.zhao"]


def test_the_latest_decision_on_a_pair_wins() -> None:
    log = InMemoryDecisionLog()
    accept(log, "a", "b", reviewer="x", at=T0 + timedelta(days=1), reason="same phone")
    reject(log, "b", "a", reviewer="y", at=T0, reason="earlier, superseded")
    ruling = pair_rulings(log.decisions())[("a", "b")]
    assert ruling.same_person
    assert ruling.decision.reviewer == "x"


def test_decisions_record_who_when_why() -> None:
    log = InMemoryDecisionLog()
    d = split(log, [["a"], ["b", "c"]], reviewer="sw.wang", at=T0, reason="father and son")
    assert log.decisions() == (d,)
    assert (d.kind, d.reviewer, d.decided_at, d.reason) == (
        DecisionKind.SPLIT,
        "sw.wang",
        T0,
        "father and son",
    )


@pytest.mark.parametrize(
    ("kind", "groups"),
    [
        (DecisionKind.ACCEPT, (("a",), ("b", "c"))),
        (DecisionKind.SPLIT, (("a", "b"),)),
        (DecisionKind.SPLIT, (("a",), ("a", "b"))),
    ],
)
def test_malformed_decisions_are_refused(
    kind: DecisionKind, groups: tuple[tuple[str, ...], ...]
) -> None:
    with pytest.raises(ValueError, match=r"group|record"):
        ReviewDecision(kind, groups, "x", T0, "because")


def test_golden_id_is_stable_across_runs_and_member_order() -> None:
    assert golden_person_id(["b", "a", "c"]) == golden_person_id(["a", "c"])
    assert golden_person_id(["b"]) != golden_person_id(["a"])


def test_a_chain_through_pinyin_does_not_join_two_character_names() -> None:
    # 周佳 (zhoujia) - "Jia Zhou" typed with a typo - 周侠 (zhouxia): twins, not one person
    names = {"a": "zhoujia", "c": "zhouxia"}
    links = [_prob("a", "b"), _prob("b", "c")]
    c = form_clusters("abc", links, {}, {}, character_names=names)
    assert not _together(c, "a", "c")
    assert [r.reason for r in c.refused] == ["name-conflict"]


def test_a_shared_resident_id_overrides_a_name_conflict() -> None:
    ids = {"a": "ID1", "c": "ID1"}
    names = {"a": "lijianguo", "c": "lijiantu"}  # 李建国 / 李建图: a mistyped character
    c = form_clusters("ac", [Link("a", "c", LinkKind.RESIDENT_ID)], {}, ids, character_names=names)
    assert _together(c, "a", "c")
