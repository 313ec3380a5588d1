"""The rehabilitation station's exports: CSV (GB18030 or UTF-8) and XLSX files in a drop folder.

A file is known by its content hash: the cursor lists every file taken, so a file renamed
or copied again is not read twice, and a re-export with new content is read as new. A
page holds up to ``rows_per_page`` rows, taken from as many files as that needs; a file
larger than the room left is split across pages (the cursor then also says how far into
the current file the hub got). A row that cannot be read (the broken last row of a
truncated file) and a file that cannot be read at all (neither UTF-8 nor GB18030, not a
workbook) become records with ``problem`` set, which the ingest quarantines.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import Connector, Cursor, Page, RawRecord, RetryPolicy
from connectors.errors import SourceUnavailable
from connectors.fields import FieldMap
from connectors.rehab_station.headers import EXPORTS

__all__ = ["StationFilesConnector", "decode_export"]

UNKNOWN_EXPORT = "station.export"


class _UnreadableFile(Exception):
    """The whole file cannot be read; the text says why."""


@dataclass(frozen=True)
class _Table:
    """A file read into a header and rows (every cell text), and whether it ended cleanly."""

    header: list[str]
    rows: list[list[str]]
    truncated: bool


def decode_export(data: bytes, name: str) -> tuple[str, bool]:
    """The text of a CSV export and whether its last bytes were cut mid-character.

    UTF-8 (with or without BOM) first, then GB18030, both strictly so a wrong guess fails
    loudly instead of producing mojibake. A GB18030 export can carry text pasted in as UTF-8,
    so it is decoded line by line: a line that is valid UTF-8 as UTF-8 (GB18030 Chinese text
    practically never is), else as GB18030 with any stretch GB18030 rejects read as UTF-8
    (or, failing that, replaced). When most lines need that repair, the file is in some
    other encoding and is refused whole.
    """
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded, repaired = [], 0
    for line in lines:
        text, clean = _decode_line(line)
        decoded.append(text)
        repaired += not clean
    if repaired * 2 > len(lines):
        return _refuse(data, name, repaired)
    cut = not _decode_line(lines[-1])[1]  # a character cut at the very end: truncated
    return "\n".join(decoded), cut


def _decode_line(line: bytes) -> tuple[str, bool]:
    """The line's text and whether it decoded cleanly."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding), True
        except UnicodeDecodeError:
            continue
    return line.decode("gb18030", errors=_PASTED_UTF8), False


def _utf8_or_replace(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the rejected bytes as UTF-8 when they are, else U+FFFD."""
    assert isinstance(error, UnicodeDecodeError)
    for width in (3, 2, 4):
        try:
            return error.object[error.start : error.start + width].decode(
                "utf-8"
            ), error.start + width
        except UnicodeDecodeError:
            continue
    return "\ufffd", error.start + 1


_PASTED_UTF8 = "carehub-pasted-utf8"
codecs.register_error(_PASTED_UTF8, _utf8_or_replace)


def _refuse(data: bytes, name: str, lines: int) -> tuple[str, bool]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    guess = f"; it looks like {best.encoding}" if best is not None else ""
    raise _UnreadableFile(
        f"file {name} is neither UTF-8 nor GB18030 ({lines} lines fit neither){guess}"
    )


def _read_csv(data: bytes, name: str) -> _Table:
    text, cut = decode_export(data, name)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise _UnreadableFile(f"file {name} is empty (no header row)")
    ended = text.endswith(("\n", "\r"))
    return _Table([h.strip() for h in rows[0]], rows[1:], cut or not ended)


def _read_xlsx(data: bytes, name: str) -> _Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean 'not readable'
        raise _UnreadableFile(f"file {name} is not a readable workbook: {exc}") from None
    if not rows:
        raise _UnreadableFile(f"file {name} has no header row")
    return _Table([h.strip() for h in rows[0]], rows[1:], False)


_READERS: dict[str, Callable[[bytes, str], _Table]] = {".csv": _read_csv, ".xlsx": _read_xlsx}


class StationFilesConnector(Connector):
    """Export files in ``directory``; ``rows_per_page`` rows of one file per page."""

    kind = "station_files"
    source_system = "station"
    exports: Mapping[str, FieldMap] = EXPORTS

    def __init__(
        self,
        name: str,
        directory: Path,
        *,
        rows_per_page: int = 5000,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(name, retry=retry)
        self.directory, self.rows_per_page = directory, rows_per_page
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._table: tuple[str, _Table] | None = None

    @classmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> StationFilesConnector:
        """``directory`` (required) and ``rows_per_page``."""
        if not options.get("directory"):
            raise ValueError(f"source {name!r}: option 'directory' (the export folder) is required")
        return cls(
            name, Path(options["directory"]), rows_per_page=int(options.get("rows_per_page", 5000))
        )

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            raise SourceUnavailable(f"station export folder {self.directory} does not exist")
        order = {export: i for i, export in enumerate(self.exports)}
        files = [p for p in self.directory.iterdir() if p.suffix.lower() in _READERS]
        return sorted(files, key=lambda p: (order.get(_export_of(p), len(order)), p.name))

    def _hash(self, path: Path) -> str:
        stat = path.stat()
        marker = (path.name, stat.st_mtime_ns, stat.st_size)
        if marker not in self._hashes:
            self._hashes[marker] = hashlib.sha256(path.read_bytes()).hexdigest()[:32]
        return self._hashes[marker]

    def fetch_page(self, cursor: Cursor) -> Page | None:
        """The next ``rows_per_page`` rows, from as many files not yet taken as it takes.

        Monthly exports hold few rows each and every page has a fixed cost downstream (one
        transaction, one raw-check validation per record kind), so small files share a page.
        """
        taken: dict[str, str] = dict(cursor.get("taken", {}))
        current: dict[str, Any] = dict(cursor.get("current") or {})
        records: list[RawRecord] = []
        for path in self._files():
            digest = self._hash(path)
            if digest in taken:
                continue
            start = int(current.get("row", 0)) if current.get("hash") == digest else 0
            room = self.rows_per_page - len(records)
            rows, done = self._page_of(path, digest, start, room)
            records.extend(rows)
            if not done:
                position = {"hash": digest, "name": path.name, "row": start + room}
                return Page(records, {"taken": taken, "current": position})
            taken[digest] = path.name
            if len(records) >= self.rows_per_page:
                break
        if taken == cursor.get("taken", {}) and not records:
            return None
        return Page(records, {"taken": taken, "current": None})

    def _page_of(
        self, path: Path, digest: str, start: int, room: int
    ) -> tuple[list[RawRecord], bool]:
        """Records of up to ``room`` rows from ``start`` of the file, and whether it is done."""
        fields = self.exports.get(_export_of(path))
        kind = fields.record_kind if fields else UNKNOWN_EXPORT
        try:
            if fields is None:
                raise _UnreadableFile(
                    f"file {path.name} is not a known export (expected a name starting with "
                    f"one of {', '.join(self.exports)})"
                )
            table = self._read(path, digest)
        except _UnreadableFile as exc:
            raw = path.read_bytes()[:2000].decode("latin-1")
            return [RawRecord(kind, None, {"raw": raw}, str(exc), path.name)], True
        end = min(start + room, len(table.rows))
        records = [self._record(fields, table, number, path.name) for number in range(start, end)]
        return records, end >= len(table.rows)

    def _read(self, path: Path, digest: str) -> _Table:
        if self._table is None or self._table[0] != digest:
            self._table = (digest, _READERS[path.suffix.lower()](path.read_bytes(), path.name))
        return self._table[1]

    @staticmethod
    def _record(fields: FieldMap, table: _Table, number: int, name: str) -> RawRecord:
        row, origin = table.rows[number], f"{name} row {number + 2}"
        last = number == len(table.rows) - 1
        if len(row) != len(table.header) or (last and table.truncated):
            why = "the file is truncated" if last and table.truncated else "a malformed row"
            problem = (
                f"{origin} has {len(row)} of {len(table.header)} columns ({why}); it was not read"
            )
            return RawRecord(fields.record_kind, None, {"raw": ",".join(row)}, problem, origin)
        cells = dict(zip(table.header, row, strict=True))
        return RawRecord(
            fields.record_kind, fields.key(cells), fields.payload(cells), origin=origin
        )


def _export_of(path: Path) -> str:
    """The export a file holds, from its name (``随访记录_202301.csv`` -> ``随访记录``)."""
    return path.stem.split("_", 1)[0]
