"""String `:text`: each word of the value starts a word of the element (folded)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.store import FhirStore
from tests.api.conftest import TestClient, ids, reset

_words = st.text(st.sampled_from(list("abAé É%_")), min_size=1, max_size=7)


def _fold(text: str) -> str:
    """Case and accent folding written out for the test's small alphabet."""
    return text.replace("é", "e").replace("É", "e").lower()


def _matches(name: str, needle: str) -> bool:
    words = _fold(name).split(" ")
    wanted = _fold(needle).split()
    return bool(wanted) and all(any(w.startswith(n) for w in words) for n in wanted)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(_words, min_size=1, max_size=6), needle=_words)
def test_text_matches_word_starts(
    store: FhirStore, api: TestClient, names: list[str], needle: str
) -> None:
    reset(store)
    store.write_many(
        [
            {"resourceType": "Patient", "id": f"p{i}", "name": [{"family": name}]}
            for i, name in enumerate(names)
        ]
    )
    response = api.get("/fhir/Patient", params={"family:text": needle, "_count": "100"})
    assert response.status_code == 200, response.text
    expected = {f"p{i}" for i, name in enumerate(names) if _matches(name, needle)}
    assert ids(response.json()) == expected


def test_text_is_not_prefix_or_contains(store: FhirStore, api: TestClient) -> None:
    names = ["Zhang San", "Li Zhangwei", "Ma-zhang", "Ouzhang"]
    store.write_many(
        [
            {"resourceType": "Patient", "id": f"p{i}", "name": [{"family": n}]}
            for i, n in enumerate(names)
        ]
    )

    def found(key: str, value: str) -> set[str]:
        return ids(api.get("/fhir/Patient", params={key: value}).json())

    assert found("family:text", "zhang") == {"p0", "p1"}
    assert found("family:text", "san zh") == {"p0"}
    assert found("family", "zhang") == {"p0"}
    assert found("family:contains", "zhang") == {"p0", "p1", "p2", "p3"}
