"""HL7 v2 ADT message files from a drop folder, acknowledged once landed.

Each ``*.hl7`` file (a batch ``FHS/BHS ... BTS/FTS`` or bare messages) is one page. The cursor
remembers every file taken with its content hash, so a file that is rewritten with new
content is taken again and one already taken is not. After a page is committed an ACK file
is written to ``ack/``: one ``ACK`` message per message, ``MSA|AA`` for a message the hub
accepted and ``MSA|AE`` with the reason for one that could not be read (it is quarantined).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hl7

from connectors.base import Connector, Cursor, Page, RawRecord, RetryPolicy
from connectors.errors import SourceUnavailable

__all__ = ["AdtFileConnector", "parse_adt"]

RECORD_KIND = "hospital.adt"
_SEGMENT = re.compile(r"^[A-Z][A-Z0-9]{2}(\|.*)?$", re.DOTALL)
_ENVELOPE = ("FHS", "BHS", "BTS", "FTS")
_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")


class _Unreadable(Exception):
    """A message that cannot be read; the text says why."""


def hl7_time(value: str) -> str | None:
    """HL7 ``YYYYMMDD[HHMM[SS]]`` as ISO 8601 (the value itself when it is not one)."""
    match = _TIMESTAMP.match(value)
    if not value:
        return None
    if match is None:
        return value
    y, mo, d, h, mi, s = match.groups()
    if h is None:
        return f"{y}-{mo}-{d}"
    return f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"


def _field(message: Any, segment: str, field: int, rep: int = 1, comp: int = 1) -> str | None:
    try:
        value = str(message.extract_field(segment, 1, field, rep, comp))
    except (KeyError, IndexError):
        return None
    return value or None


def _identifiers(message: Any) -> dict[str, str]:
    """PID-3 repetitions by identifier type (PI hospital number, NNCHN resident id)."""
    found: dict[str, str] = {}
    for rep in range(1, 5):
        value, kind = _field(message, "PID", 3, rep, 1), _field(message, "PID", 3, rep, 5)
        if value:
            found.setdefault(kind or "PI", value)
    return found


def _diagnoses(message: Any) -> list[str]:
    try:
        segments = message.segments("DG1")
    except KeyError:
        return []
    return [str(s(3)(1)(1)) for s in segments if str(s(3)(1)(1))]


def parse_adt(text: str) -> dict[str, Any]:
    """One ADT message as an AdtEvent payload; raises _Unreadable naming what is wrong."""
    for number, line in enumerate(text.split("\r"), 1):
        if line and not _SEGMENT.match(line):
            raise _Unreadable(f"segment {number} is not an HL7 segment: {line[:40]!r}")
    try:
        message = hl7.parse(text)
    except Exception as exc:  # hl7 raises several types for broken text
        raise _Unreadable(f"not an HL7 message: {exc}") from None
    control = _field(message, "MSH", 10)
    if control is None:
        raise _Unreadable("MSH-10 (message control id) is empty")
    ids = _identifiers(message)
    if "PI" not in ids:
        raise _Unreadable(f"message {control} has no PID-3 patient id")
    payload: dict[str, Any] = {
        "message_control_id": control,
        "event_type": _field(message, "EVN", 1) or _field(message, "MSH", 9, 1, 2),
        "event_time": hl7_time(_field(message, "EVN", 2) or _field(message, "MSH", 7) or ""),
        "patient_id": ids["PI"],
        "resident_id": ids.get("NNCHN"),
        "name": _field(message, "PID", 5),
        "birth_date": hl7_time(_field(message, "PID", 7) or ""),
        "sex": _field(message, "PID", 8),
        "address": _field(message, "PID", 11),
        "phone": _field(message, "PID", 13),
        "marital_status": _field(message, "PID", 16),
        "ethnicity": _field(message, "PID", 22),
        "guardian_name": _field(message, "NK1", 2),
        "guardian_relation": _field(message, "NK1", 3),
        "guardian_phone": _field(message, "NK1", 5),
        "patient_class": _field(message, "PV1", 2),
        "ward": _field(message, "PV1", 3),
        "attending_doctor_id": _field(message, "PV1", 7),
        "attending_doctor_name": _field(message, "PV1", 7, 1, 2),
        "visit_number": _field(message, "PV1", 19),
        "discharge_disposition": _field(message, "PV1", 36),
        "admitted_at": hl7_time(_field(message, "PV1", 44) or ""),
        "discharged_at": hl7_time(_field(message, "PV1", 45) or ""),
        "diagnoses": _diagnoses(message),
    }
    return {k: v for k, v in payload.items() if v is not None and v != []}


def split_messages(text: str) -> list[str]:
    """The messages of a file: batch envelope segments dropped, one string per MSH."""
    messages: list[list[str]] = []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line.strip() or line[:3] in _ENVELOPE:
            continue
        if line.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(line)
    return ["\r".join(m) for m in messages]


@dataclass(frozen=True)
class _Ack:
    """What to acknowledge for one taken file."""

    path: Path
    text: str


class AdtFileConnector(Connector):
    """HL7 v2 ADT files in ``directory``; ACKs in ``ack_directory`` (default ``ack/``)."""

    kind = "hospital_adt"
    source_system = "hospital"
    pattern = "*.hl7"

    def __init__(
        self,
        name: str,
        directory: Path,
        *,
        ack_directory: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        messages_per_page: int = 500,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(name, retry=retry)
        self.directory = directory
        self.ack_directory = ack_directory or directory / "ack"
        self.clock = clock
        self.messages_per_page = messages_per_page
        #: ACK files per page pulled and not yet committed, oldest first (pages may be
        #: pulled ahead of the commit of earlier ones).
        self._pending: list[tuple[Page, list[_Ack]]] = []

    @classmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> AdtFileConnector:
        """``directory`` (required), ``ack_directory``, ``messages_per_page``."""
        if not options.get("directory"):
            raise ValueError(
                f"source {name!r}: option 'directory' (the ADT drop folder) is required"
            )
        ack = options.get("ack_directory")
        return cls(
            name,
            Path(options["directory"]),
            ack_directory=Path(ack) if ack else None,
            messages_per_page=int(options.get("messages_per_page", 500)),
        )

    def fetch_page(self, cursor: Cursor) -> Page | None:
        """Messages of the next files not yet taken (or taken with other content).

        Files are gathered until ``messages_per_page`` messages: a daily file holds few
        messages, and each page costs one transaction downstream.
        """
        if not self.directory.is_dir():
            raise SourceUnavailable(f"ADT folder {self.directory} does not exist")
        taken: dict[str, str] = dict(cursor.get("files", {}))
        records: list[RawRecord] = []
        pending: list[_Ack] = []
        for path in sorted(self.directory.rglob(self.pattern)):
            if self.ack_directory in path.parents:
                continue
            relative = path.relative_to(self.directory).as_posix()
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()[:32]
            if taken.get(relative) == digest:
                continue
            taken[relative] = digest
            file_records, acks = self._read_file(relative, data)
            records.extend(file_records)
            pending.append(_Ack(self.ack_directory / f"{relative}.ack", "".join(acks)))
            if len(records) >= self.messages_per_page:
                break
        if not pending:
            return None
        page = Page(records, {"files": taken})
        self._pending.append((page, pending))
        return page

    def _read_file(self, relative: str, data: bytes) -> tuple[list[RawRecord], list[str]]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"ADT file {relative} is not UTF-8 (byte {exc.start}); nothing in it was read"
            raw = data.decode("utf-8", errors="replace")
            return [RawRecord(RECORD_KIND, None, {"raw": raw}, problem, relative)], []
        records, acks = [], []
        messages = split_messages(text)
        # a batch file that lost its trailer (FTS) was cut short: its last message is incomplete
        truncated = text.startswith("FHS") and "\rFTS" not in text and "\nFTS" not in text
        for number, message in enumerate(messages, 1):
            origin = f"{relative} message {number}"
            try:
                if truncated and number == len(messages):
                    raise _Unreadable(f"the file is truncated (no FTS trailer): {message[-40:]!r}")
                payload = parse_adt(message)
            except _Unreadable as exc:
                control = _control_id(message)
                problem = f"HL7 message {number} in {relative} cannot be read: {exc}"
                records.append(RawRecord(RECORD_KIND, None, {"raw": message}, problem, origin))
                acks.append(self._ack(control, "AE", str(exc)))
                continue
            key = str(payload["message_control_id"])
            records.append(RawRecord(RECORD_KIND, key, payload, origin=origin))
            acks.append(self._ack(key, "AA", ""))
        return records, acks

    def _ack(self, control: str, code: str, text: str) -> str:
        stamp = self.clock().strftime("%Y%m%d%H%M%S")
        clean = text.replace("|", "/").replace("\r", " ")[:80]
        return (
            f"MSH|^~\\&|CAREHUB|CAREHUB|HIS|XHMHC|{stamp}||ACK|ACK{control}|P|2.5\r"
            f"MSA|{code}|{control}|{clean}\r"
        )

    def after_landed(self, page: Page) -> None:
        """Write the ACK files of the page just committed (and of any committed before it)."""
        through = next((i for i, (p, _) in enumerate(self._pending) if p is page), -1)
        committed, self._pending = self._pending[: through + 1], self._pending[through + 1 :]
        for ack in (a for _, acks in committed for a in acks):
            ack.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = ack.path.with_suffix(".tmp")
            temporary.write_text(ack.text, encoding="utf-8")
            temporary.replace(ack.path)  # readers never see half an ACK file


def _control_id(message: str) -> str:
    """MSH-10 read by hand from a message hl7 could not parse (empty when absent)."""
    first = message.split("\r", 1)[0]
    fields = first.split("|")
    return fields[9] if first.startswith("MSH") and len(fields) > 9 else ""
