"""A district for bench/api.py made of real mapped records: a small simulated district, cloned.

The hub's own ``hub simulate`` and ``hub sync`` build a small district (``--template``
people over three years) into a scratch SQLite store. Its resources fall into people:
the connected parts of the reference graph between non-shared resources (a golden
Patient, the source Patients it links, and everything that points at them, directly or
through another of their resources: Encounters, Observations, QuestionnaireResponses,
Provenance, CareTeams, ...). Shared resources (Practitioners, Organizations, canonical
definitions) are written once. Each person is then cloned, round robin, until the district
has the asked number of golden Patients: every id of the person's resources gets a suffix,
and so does every reference to them, so a clone is the template person with new ids. A
typical patient's ``$everything`` is therefore the size and shape the hub really serves
(about 200 resources, some 350 KB in the simulated district), not a made-up one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

SHARED_TYPES = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "CodeSystem",
        "ValueSet",
        "ConceptMap",
        "Questionnaire",
        "Medication",
    }
)
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CHUNK = 50  # people per write_many call


@dataclass(frozen=True)
class Person:
    """One template person: its resources as text split at the ids that a clone renames."""

    golden: list[str]  # golden Patient ids (usually one)
    sources: list[str]  # source Patient ids linked to it
    pieces: list[list[str]]  # per resource: literal, id, literal, id, ..., literal


def simulate(workdir: Path, people: int, secret: str) -> str:
    """Simulate and sync a small district with the hub's commands; the SQLite URL."""
    database = workdir / "template.sqlite"
    # A template left by an interrupted run was sealed under another run's secret.
    for stale in (database, database.with_name("template.sqlite-wal"), workdir / "var"):
        if stale.is_dir():
            shutil.rmtree(stale)
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATABASE_URL": url, "HUB_DATA_DIR": str(workdir / "var")}
    env |= {"HUB_SECRET_KEY": secret, "HUB_LOG_LEVEL": "WARNING"}
    hub = str(Path(sys.executable).with_name("hub"))
    district = workdir / "district"
    simulate = [hub, "simulate", "--patients", str(people), "--years", "3", "--seed", "11"]
    sync = [hub, "sync", "--sources", str(district / "sources.toml"), "--workers", "2"]
    for command in ([*simulate, "--out", str(district)], sync):
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def _open(url: str, secret: str) -> Any:
    """The store at ``url``, sealing as the hub does under ``secret``."""
    from pydantic import SecretStr

    from hub.config import Settings
    from hub.security.at_rest import field_sealer
    from hub.store import open_store

    return open_store(url, sealer=field_sealer(Settings(secret_key=SecretStr(secret))))


def _split(text: str, renamed: set[str]) -> list[str]:
    pieces, last = [], 0
    for match in _ID.finditer(text):
        if match.group(0) in renamed:
            pieces += [text[last : match.start()], match.group(0)]
            last = match.end()
    return [*pieces, text[last:]]


def _components(edges: list[tuple[str, str]], nodes: list[str]) -> dict[str, str]:
    parent = {n: n for n in nodes}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    return {n: root(n) for n in nodes}


def people_of(url: str, secret: str) -> tuple[list[dict[str, Any]], list[Person]]:
    """The shared resources and the template people of the synced district."""
    from sqlalchemy import select

    from hub.store.schema import idx_reference, resource

    store = _open(url, secret)
    with store.reading() as session:
        rows = session.conn.execute(
            select(resource.c.resource_type, resource.c.resource_id, resource.c.content).where(
                resource.c.deleted.is_(False)
            )
        ).all()
        refs = session.conn.execute(
            select(
                idx_reference.c.resource_type,
                idx_reference.c.resource_id,
                idx_reference.c.target_type,
                idx_reference.c.target_id,
            ).where(idx_reference.c.target_id.is_not(None))
        ).all()
    store.engine.dispose()
    shared = [orjson.loads(c) for t, _i, c in rows if t in SHARED_TYPES]
    own = {f"{t}/{i}": c for t, i, c in rows if t not in SHARED_TYPES}
    edges = [(f"{a}/{b}", f"{c}/{d}") for a, b, c, d in refs]
    component = _components(edges, list(own))
    members: dict[str, list[str]] = defaultdict(list)
    for key in own:
        members[component[key]].append(key)
    people = []
    for keys in members.values():
        patients = [k.split("/", 1)[1] for k in keys if k.startswith("Patient/")]
        golden = [p for p in patients if '"golden"' in own[f"Patient/{p}"]]
        if not golden:
            continue  # records of nobody (none in a synced district): not cloned
        renamed = {k.split("/", 1)[1] for k in keys}
        sources = [p for p in patients if p not in golden]
        people.append(Person(golden, sources, [_split(own[k], renamed) for k in keys]))
    return shared, people


def _clone(person: Person, suffix: str) -> list[dict[str, Any]]:
    out = []
    for pieces in person.pieces:
        text = "".join(p + suffix if i % 2 else p for i, p in enumerate(pieces))
        out.append(orjson.loads(text))
    return out


def _load_part(args: tuple[str, str, list[Person], int, int]) -> int:
    """Write clones number start..stop (person = templates[k % len]) in one process."""
    url, secret, templates, start, stop = args
    store = _open(url, secret)
    written = 0
    for first in range(start, stop, _CHUNK):
        batch = [
            r
            for k in range(first, min(stop, first + _CHUNK))
            for r in _clone(templates[k % len(templates)], f"-{k:05d}")
        ]
        written += store.write_many(batch).created
    store.engine.dispose()
    return written


def clone_count(people: list[Person], patients: int) -> int:
    """How many clones give (about) ``patients`` golden Patients."""
    per_round = sum(len(p.golden) for p in people)
    return max(1, round(patients * len(people) / per_round))


def load(
    url: str, secret: str, shared: list[dict[str, Any]], people: list[Person], clones: int
) -> int:
    """Write the shared resources, then the clones from two processes; resources written."""
    from sqlalchemy import text

    store = _open(url, secret)
    written = store.write_many(shared).created
    half = clones // 2
    parts = [(url, secret, people, 0, half), (url, secret, people, half, clones)]
    with ProcessPoolExecutor(2) as pool:
        written += sum(pool.map(_load_part, parts))
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    store.engine.dispose()
    return written


def request_ids(people: list[Person], clones: int) -> dict[str, list[str]]:
    """Golden Patient ids (read, $everything) and source Patient ids (search by patient)."""
    golden, sources = [], []
    for k in range(clones):
        person = people[k % len(people)]
        golden += [f"{g}-{k:05d}" for g in person.golden]
        sources += [f"{s}-{k:05d}" for s in person.sources]
    return {"golden": golden, "sources": sources}
