"""``hub identity review``: list, accept, reject, split, and one clear sentence on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.config import Settings
from hub.identity.store_adapters import StoreDecisionLog, open_review_queue
from hub.security.at_rest import field_sealer
from hub.store import FhirStore, open_store
from tests.identity.linked_store import build_linked_store, copy_of, golden_of, merged_pair

pytestmark = pytest.mark.slow
WHY = ["--reason", "same mother on both records", "--by", "dr.zhou"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A linked district store, built once and copied for each test."""
    path = tmp_path_factory.mktemp("linked") / "hub.sqlite"
    return build_linked_store(path, sealer=field_sealer(Settings()))


@pytest.fixture
def store(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FhirStore]:
    """A private copy of the linked store, and the hub pointed at it."""
    url = copy_of(template, tmp_path / "hub.sqlite")
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    linked = open_store(url, sealer=field_sealer(Settings()))  # sealed, as the CLI opens it
    yield linked
    linked.engine.dispose()


def _hub(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["identity", "review", *args])
    return result.exit_code, result.output


def test_review_lists_the_open_pairs(store: FhirStore) -> None:
    code, output = _hub()
    assert code == 0, output
    queue = open_review_queue(store)
    assert queue
    for item in queue[:5]:
        assert item.left in output
        assert f"{item.probability:.3f}" in output


def test_accept_links_a_possible_match_and_records_who_and_why(store: FhirStore) -> None:
    item = open_review_queue(store)[0]
    code, output = _hub("accept", item.left, item.right, *WHY)
    assert code == 0, output
    assert "accept" in output
    assert golden_of(store, item.left) == golden_of(store, item.right)
    assert (item.left, item.right) not in {(i.left, i.right) for i in open_review_queue(store)}
    (decision,) = StoreDecisionLog(store).decisions()
    assert (decision.reviewer, decision.reason) == ("dr.zhou", "same mother on both records")


def test_reject_and_split_keep_records_apart(store: FhirStore) -> None:
    left, right = merged_pair(store)
    code, output = _hub("reject", left, right, *WHY)
    assert code == 0, output
    assert golden_of(store, left) != golden_of(store, right)
    accepted = open_review_queue(store)[0]
    _hub("accept", accepted.left, accepted.right, *WHY)
    code, output = _hub("split", accepted.left, accepted.right, *WHY)
    assert code == 0, output
    assert "split into 2 groups" in output
    assert golden_of(store, accepted.left) != golden_of(store, accepted.right)
    kinds = [d.kind.value for d in StoreDecisionLog(store).decisions()]
    assert kinds == ["reject", "accept", "split"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["accept", "station-nobody", "{right}", *WHY], "station-nobody"),
        (["reject", "{left}", "{left}", *WHY], "two different records"),
        (["accept", "{left}", "{right}", "--reason", " ", "--by", "li"], "--reason"),
        (["split", "{left},{right}", *WHY], "two groups"),
        (["split", "{left}", "{left},{right}", *WHY], "more than one group"),
    ],
)
def test_bad_decisions_fail_in_one_sentence_and_record_nothing(
    store: FhirStore, args: list[str], says: str
) -> None:
    left, right = merged_pair(store)
    code, output = _hub(*(a.format(left=left, right=right) for a in args))
    assert code == 2, output
    assert "error:" in output
    assert says in " ".join(output.split())
    assert "Traceback" not in output
    assert StoreDecisionLog(store).decisions() == ()
    assert golden_of(store, left) == golden_of(store, right)
