"""The hospital's HIS, read through its ``v_*`` views with an ``updated_at`` watermark.

Each view is paged in ``(updated_at, key)`` order and the cursor keeps, per view, the last
``(updated_at, key)`` landed. The next page starts strictly after that pair, so rows sharing
a timestamp across a page boundary are neither skipped nor read twice, and a row updated
later (a newer ``updated_at``) is read again as a new version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, and_, column, create_engine, or_, select, table
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from connectors.base import Connector, Cursor, Page, RawRecord, RetryPolicy
from connectors.errors import RetryableSourceError, SourceUnavailable
from connectors.fields import FieldMap
from connectors.hospital.his_views import HIS_VIEWS, UPDATED_AT

__all__ = ["HospitalDatabaseConnector"]


class HospitalDatabaseConnector(Connector):
    """HIS views via SQLAlchemy; one page is up to ``page_size`` rows of one view."""

    kind = "hospital_db"
    source_system = "hospital"
    views: Mapping[str, FieldMap] = HIS_VIEWS

    def __init__(
        self, name: str, engine: Engine, *, page_size: int = 5000, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(name, retry=retry)
        self.engine, self.page_size = engine, page_size

    @classmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> HospitalDatabaseConnector:
        """``url`` (a SQLAlchemy URL; ``password_env`` names its password), ``page_size``."""
        url = options.get("url")
        if not isinstance(url, str) or not url:
            raise ValueError(f"source {name!r}: option 'url' (the HIS database URL) is required")
        password_env = options.get("password_env")
        if password_env:
            password = secret(str(password_env))
            if password is None:
                raise ValueError(f"source {name!r}: environment variable {password_env} is unset")
            from sqlalchemy.engine import make_url

            url = make_url(url).set(password=password).render_as_string(hide_password=False)
        return cls(name, create_engine(url), page_size=int(options.get("page_size", 5000)))

    def fetch_page(self, cursor: Cursor) -> Page | None:
        """The next rows of the first view that has rows after its watermark."""
        positions: dict[str, list[str]] = dict(cursor.get("views", {}))
        for view, fields in self.views.items():
            rows = self._rows_after(view, fields, positions.get(view))
            if rows:
                last = rows[-1]
                positions[view] = [str(last[UPDATED_AT]), str(last[fields.key_column])]
                records = [
                    RawRecord(fields.record_kind, fields.key(r), fields.payload(r), origin=view)
                    for r in rows
                ]
                return Page(records, {"views": positions})
        return None

    def _rows_after(
        self, view: str, fields: FieldMap, position: list[str] | None
    ) -> list[dict[str, Any]]:
        view_table = table(view, *(column(c) for c in fields.columns))
        stamp, key = view_table.c[UPDATED_AT], view_table.c[fields.key_column]
        query = select(view_table).order_by(stamp, key).limit(self.page_size)
        if position is not None:
            query = query.where(
                or_(stamp > position[0], and_(stamp == position[0], key > position[1]))
            )
        try:
            with self.engine.connect() as conn:
                return [dict(row._mapping) for row in conn.execute(query)]
        except OperationalError as exc:
            # a dropped connection or a locked database may pass; a missing view will not
            if "no such table" in str(exc) or "does not exist" in str(exc):
                raise SourceUnavailable(f"HIS view {view} is missing: {exc.orig}") from None
            raise RetryableSourceError(f"database: {exc.orig}") from None
        except SQLAlchemyError as exc:
            raise SourceUnavailable(f"HIS view {view} cannot be read: {exc}") from None

    def close(self) -> None:
        """Return the connections."""
        self.engine.dispose()
