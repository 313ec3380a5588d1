"""Bulk Data ``$export`` jobs: NDJSON files per type, written by a background thread.

A job's state lives in ``<data_dir>/exports/<job>/status.json`` so that every worker process
answers status polls, and a finished job's manifest survives a restart. A job that was
running in a process that is gone is reported as failed. Cancelling sets a flag the writer
checks between batches, then removes the job's files.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, select

from hub.search.compartment import PATIENT_COMPARTMENT, compartment_resources, linked_patients
from hub.store import FhirStore
from hub.store.documents import instant, utc_now
from hub.store.schema import idx_reference, resource

__all__ = ["ExportJob", "ExportManager", "ExportRequest"]

log = logging.getLogger("hub.api.export")

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_FILE = re.compile(r"^[A-Z][A-Za-z]+\.ndjson$")
_PATIENT_BATCH = 500
_CHECK_EVERY = 5000  # rows between checks for a cancellation


@dataclass(frozen=True)
class ExportRequest:
    """What to export: level (system, patient, group), types, since."""

    level: str
    types: tuple[str, ...]
    since: datetime | None
    request_url: str
    group_id: str | None = None


@dataclass
class ExportJob:
    """The persisted state of one export."""

    id: str
    status: str  # in-progress | completed | failed | cancelled
    request: str
    transaction_time: str
    pid: int
    progress: str = "started"
    output: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def manifest(self, base_url: str) -> dict[str, Any]:
        """The Bulk Data completion manifest."""
        return {
            "transactionTime": self.transaction_time,
            "request": self.request,
            "requiresAccessToken": False,
            "output": [
                {
                    "type": item["type"],
                    "url": f"{base_url}/$export-file/{self.id}/{item['type']}.ndjson",
                    "count": item["count"],
                }
                for item in self.output
            ],
            "error": [],
        }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ExportManager:
    """Starts, tracks, serves and cancels export jobs under ``<data_dir>/exports``."""

    def __init__(self, store: FhirStore, data_dir: Path) -> None:
        self.store, self.root = store, data_dir / "exports"
        self._lock = threading.Lock()

    def _dir(self, job_id: str) -> Path:
        if not _JOB_ID.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def _save(self, job: ExportJob) -> None:
        directory = self._dir(job.id)
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / "status.json.tmp"
        tmp.write_bytes(orjson.dumps(asdict(job)))
        tmp.replace(directory / "status.json")

    def get(self, job_id: str) -> ExportJob | None:
        """The job's state, or None if there is no such job."""
        try:
            raw = (self._dir(job_id) / "status.json").read_bytes()
        except (KeyError, OSError):
            return None
        job = ExportJob(**orjson.loads(raw))
        if job.status == "in-progress" and not _alive(job.pid):
            job.status, job.error = "failed", "The hub stopped while the export was running."
            self._save(job)
        return job

    def start(self, request: ExportRequest) -> ExportJob:
        """Record a new job and start writing its files in a background thread."""
        job = ExportJob(
            id=uuid.uuid4().hex,
            status="in-progress",
            request=request.request_url,
            transaction_time=instant(utc_now()),
            pid=os.getpid(),
        )
        self._save(job)
        thread = threading.Thread(
            target=self._run, args=(job, request), name=f"export-{job.id}", daemon=True
        )
        thread.start()
        return job

    def cancel(self, job_id: str) -> bool:
        """Cancel a job and delete its files; False if there is no such job."""
        job = self.get(job_id)
        if job is None:
            return False
        with self._lock:
            shutil.rmtree(self._dir(job_id), ignore_errors=True)
        return True

    def file(self, job_id: str, name: str) -> Path | None:
        """The path of one output file of a completed job, or None."""
        job = self.get(job_id)
        if job is None or job.status != "completed" or not _FILE.match(name):
            return None
        path = self._dir(job_id) / name
        return path if path.is_file() else None

    def _cancelled(self, job_id: str) -> bool:
        return not (self._dir(job_id) / "status.json").exists()

    def _run(self, job: ExportJob, request: ExportRequest) -> None:
        try:
            counts = self._write(job, request)
        except Exception as exc:  # the thread must record any failure, never die silently
            log.exception("export %s failed", job.id)
            job.status, job.error = "failed", f"The export failed: {type(exc).__name__}."
        else:
            job.status = "completed"
            job.output = [{"type": t, "count": n} for t, n in sorted(counts.items()) if n]
        with self._lock:
            if not self._cancelled(job.id):
                self._save(job)

    def _progress(self, job: ExportJob, counts: dict[str, int], next_type: str) -> bool:
        """Record how far the job is (X-Progress); False if it was cancelled meanwhile."""
        done = sum(counts.values())
        job.progress = f"{done} resources written; now {next_type}"
        with self._lock:
            if self._cancelled(job.id):
                return False
            self._save(job)
        return True

    def _write(self, job: ExportJob, request: ExportRequest) -> dict[str, int]:
        directory = self._dir(job.id)
        counts: dict[str, int] = {}
        handles: dict[str, Any] = {}
        try:
            with self.store.reading() as session:
                for resource_type, content in _resources(session.conn, request):
                    if resource_type not in handles:
                        if not self._progress(job, counts, resource_type):
                            return counts
                        handles[resource_type] = (directory / f"{resource_type}.ndjson").open("wb")
                    handles[resource_type].write(content.encode() + b"\n")
                    counts[resource_type] = counts.get(resource_type, 0) + 1
                    if counts[resource_type] % _CHECK_EVERY == 0 and self._cancelled(job.id):
                        return counts
        finally:
            for handle in handles.values():
                handle.close()
        return counts


def _resources(conn: Connection, request: ExportRequest) -> Iterator[tuple[str, str]]:
    """(type, JSON text) of every current resource the export covers."""
    if request.level == "system":
        for resource_type in request.types:
            query = select(resource.c.content).where(
                resource.c.resource_type == resource_type, resource.c.deleted.is_(False)
            )
            if request.since is not None:
                query = query.where(resource.c.last_updated >= request.since)
            rows = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
            for row in rows:
                yield resource_type, row[0]
        return
    patients = _patients(conn, request)
    types = [t for t in request.types if t in PATIENT_COMPARTMENT]
    seen: set[tuple[str, str]] = set()
    for start in range(0, len(patients), _PATIENT_BATCH):
        batch = patients[start : start + _PATIENT_BATCH]
        for hit in compartment_resources(conn, batch, types=types, since=request.since):
            key = (hit.resource_type, hit.resource_id)
            if key not in seen:
                seen.add(key)
                yield hit.resource_type, hit.content


def _patients(conn: Connection, request: ExportRequest) -> list[str]:
    if request.level == "group" and request.group_id is not None:
        rows = conn.execute(
            select(idx_reference.c.target_id).where(
                idx_reference.c.resource_type == "Group",
                idx_reference.c.resource_id == request.group_id,
                idx_reference.c.param == "member",
                idx_reference.c.target_type == "Patient",
            )
        )
        members: Iterable[str] = sorted({r[0] for r in rows})
        found: list[str] = []
        for member in members:
            found.extend(p for p in linked_patients(conn, member) if p not in found)
        return found
    rows = conn.execute(
        select(resource.c.resource_id).where(
            resource.c.resource_type == "Patient", resource.c.deleted.is_(False)
        )
    )
    return [r[0] for r in rows]
