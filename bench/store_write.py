"""Store write rate on SQLite and PostgreSQL beside the raw PostgreSQL COPY rate of the same JSON.

    python bench/store_write.py [N]

Writes N synthetic Observations (typical of what the ingest stores) through the store's batch
path with every index table maintained, and COPYs the same JSON into a bare jsonb table.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_result, print_table, scratch_postgres

from hub.store import open_store


def synthetic(n: int) -> list[dict[str, Any]]:
    """N follow-up risk-level Observations, about 600 bytes of JSON each."""
    return [
        {
            "resourceType": "Observation",
            "id": f"obs-{i}",
            "meta": {
                "security": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                        "code": "R",
                    }
                ]
            },
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": {
                "coding": [
                    {
                        "system": "https://carehub.org/fhir/CodeSystem/smd-observation",
                        "code": "risk-level",
                    }
                ]
            },
            "subject": {"reference": f"Patient/p-{i % 5000}"},
            "encounter": {"reference": f"Encounter/e-{i}"},
            "effectiveDateTime": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00+08:00",
            "valueInteger": i % 6,
        }
        for i in range(n)
    ]


def store_rate(url: str, documents: list[dict[str, Any]], batch: int = 2000) -> float:
    """Resources per second through FhirStore.write_many (indexes maintained)."""
    store = open_store(url)
    start = time.perf_counter()
    for offset in range(0, len(documents), batch):
        store.write_many(documents[offset : offset + batch])
    elapsed = time.perf_counter() - start
    store.engine.dispose()
    return len(documents) / elapsed


def copy_rate(url: str, documents: list[dict[str, Any]]) -> float:
    """Rows per second of COPY into a bare jsonb table: the physical limit on this machine."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    payload = [orjson.dumps(d).decode() for d in documents]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE bare (id text, content jsonb)")
        start = time.perf_counter()
        with conn.cursor().copy("COPY bare (id, content) FROM STDIN") as copy:
            for document, text in zip(documents, payload, strict=True):
                copy.write_row((document["id"], text))
        conn.commit()
        return len(documents) / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    documents = synthetic(n)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = store_rate(f"sqlite:///{tmp}/bench.sqlite", documents)
    with scratch_postgres() as url:
        postgres = store_rate(url, documents)
    with scratch_postgres() as url:
        copy = copy_rate(url, documents)
    ratio = postgres / copy
    print_table(
        f"Store writes, {n:,} Observations, all index tables maintained",
        ["path", "resources/s", "share of COPY"],
        [
            ["PostgreSQL COPY, bare jsonb table", copy, "100%"],
            ["store on PostgreSQL", postgres, f"{ratio:.0%}"],
            ["store on SQLite", sqlite, f"{sqlite / copy:.0%}"],
        ],
    )
    print(f"target: store on PostgreSQL >= 30% of COPY -> {'met' if ratio >= 0.30 else 'NOT met'}")
    print_result(
        {
            "n": n,
            "copy_per_s": round(copy),
            "postgres_per_s": round(postgres),
            "sqlite_per_s": round(sqlite),
            "postgres_share_of_copy": round(ratio, 3),
        }
    )


if __name__ == "__main__":
    main()
