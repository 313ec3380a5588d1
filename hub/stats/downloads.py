"""Published cells as CSV and XLSX bytes (suppressed cells marked, never shown)."""

from __future__ import annotations

import csv
import io

from hub.stats.publication import PublishedCell

__all__ = ["HEADER", "to_csv", "to_xlsx"]

HEADER = ["period", "area", "indicator", "numerator", "denominator", "rate", "suppressed"]


def _row(cell: PublishedCell) -> list[object]:
    rate = round(cell.rate, 4) if cell.rate is not None else None
    return [
        cell.period,
        cell.area,
        cell.indicator,
        cell.numerator,
        cell.denominator,
        rate,
        "yes" if cell.suppressed else "",
    ]


def to_csv(cells: list[PublishedCell]) -> bytes:
    """UTF-8 CSV with a header; suppressed counts are empty and flagged."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(_row(c) for c in cells)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(cells: list[PublishedCell]) -> bytes:
    """One worksheet with the same columns as the CSV."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "indicators"
    sheet.append(HEADER)
    for cell in cells:
        sheet.append(_row(cell))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
