"""Tables of the FHIR store (SQLAlchemy Core); Alembic migrations create them.

``resource`` holds the current version of each resource, ``resource_history`` every
superseded version, and the ``idx_*`` tables one row per indexed search value of the
current versions, written in the same transaction as the resource.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    cast,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine, UserDefinedType

from hub.store.sealing import sealer_of

__all__ = [
    "INDEX_TABLES",
    "IndexCode",
    "JsonDocument",
    "SealedDigest",
    "SealedText",
    "idx_date",
    "idx_quantity",
    "idx_reference",
    "idx_string",
    "idx_token",
    "metadata",
    "resource",
    "resource_history",
    "sealing_key",
]

metadata = MetaData()


class _Jsonb(UserDefinedType[str]):
    """PostgreSQL JSONB without SQLAlchemy's JSON (de)serialisation: text in, text out."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "JSONB"


class JsonDocument(TypeDecorator[str]):
    """A JSON document passed in and out as already-serialised text.

    JSONB on PostgreSQL (so SQL-on-FHIR views can query it), TEXT on SQLite. The store
    serialises each resource once (it needs the bytes for the content hash anyway) and
    serves stored JSON as bytes without re-parsing it.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """JSONB where the database has it."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_Jsonb())
        return dialect.type_descriptor(Text())

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any] | None:
        """Cast the text parameter to the column type (JSONB on PostgreSQL)."""
        return cast(bindvalue, self)

    def column_expression(self, column: Any) -> ColumnElement[Any] | None:
        """Read JSONB back as text so the driver does not parse it (revealed on the way)."""
        return cast(column, _RevealedJson())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Seal sensitive values when a sealer is installed (``hub.store.sealing``)."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.seal_json(value)


class _RevealedJson(TypeDecorator[str]):
    """The text a ``JsonDocument`` column is read as: sealed values revealed."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Reveal sealed values when a sealer is installed."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.reveal_json(value)


class SealedText(TypeDecorator[str]):
    """Free text that may quote a sensitive value: sealed as a whole when it does."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Seal the text when a sealer is installed."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.seal_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """Reveal the text when a sealer is installed."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.reveal_text(value)


class IndexCode(TypeDecorator[str]):
    """A token code: a keyed hash when sensitive, in index rows and in queries alike."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Hash the code when a sealer is installed and the code is sensitive."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.index_code(value)


class SealedDigest(TypeDecorator[str]):
    """A SHA-256 content hash, stored under a keyed permutation when a sealer is installed.

    A plain hash of a document whose other fields are readable would let anyone try the
    few thousand resident IDs a birth date and district leave open; stored permuted, it
    cannot be tried without the key, and reads give back the plain hash for comparisons.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Permute the hash when a sealer is installed."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.seal_digest(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The plain hash again."""
        sealer = sealer_of(dialect)
        return value if sealer is None or value is None else sealer.reveal_digest(value)


def _resource_index(name: str) -> Index:
    """An index table's way from a resource to its rows (includes, sorts, rewrites).

    A hash index on the id on PostgreSQL (migration 0010): every query through it names the
    id with ``=`` or ``IN``, ids are all but unique across types, and a hash insert costs
    the server a fraction of a btree insert, for every index row written.
    """
    return Index(name, "resource_id", postgresql_using="hash")


def _key_columns() -> list[Column[Any]]:
    return [
        Column("resource_type", String(64), nullable=False),
        Column("resource_id", String(64), nullable=False),
    ]


resource = Table(
    "resource",
    metadata,
    Column("resource_type", String(64), primary_key=True),
    Column("resource_id", String(64), primary_key=True),
    Column("version_id", Integer, nullable=False),
    Column("last_updated", DateTime(timezone=False), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content_hash", SealedDigest(64), nullable=True),
    Column("content", JsonDocument(), nullable=True),
    Index("ix_resource_type_updated", "resource_type", "last_updated"),
)

resource_history = Table(
    "resource_history",
    metadata,
    Column("resource_type", String(64), primary_key=True),
    Column("resource_id", String(64), primary_key=True),
    Column("version_id", Integer, primary_key=True),
    Column("last_updated", DateTime(timezone=False), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", JsonDocument(), nullable=True),
    Index("ix_history_type_updated", "resource_type", "last_updated"),
)

idx_token = Table(
    "idx_token",
    metadata,
    *_key_columns(),
    Column("param", String(64), nullable=False),
    Column("system", String(255), nullable=True),
    Column("code", IndexCode(255), nullable=True),
    # system is left out: a URL that doubles the entry size, and every query names the code
    # or scans the parameter anyway (migration 0006)
    Index("ix_token_lookup", "resource_type", "param", "code"),
    _resource_index("ix_token_resource"),
)

idx_string = Table(
    "idx_string",
    metadata,
    *_key_columns(),
    Column("param", String(64), nullable=False),
    Column("value", String(255), nullable=False),  # normalised: lower case, no accents
    Column("exact", String(255), nullable=False),  # as written
    Index("ix_string_lookup", "resource_type", "param", "value"),
    _resource_index("ix_string_resource"),
)

idx_date = Table(
    "idx_date",
    metadata,
    *_key_columns(),
    Column("param", String(64), nullable=False),
    Column("low", DateTime(timezone=False), nullable=True),  # naive UTC, inclusive
    Column("high", DateTime(timezone=False), nullable=True),  # naive UTC, inclusive
    # one range index: a condition on high alone scans the parameter's rows through it
    Index("ix_date_low", "resource_type", "param", "low"),
    _resource_index("ix_date_resource"),
)

idx_reference = Table(
    "idx_reference",
    metadata,
    *_key_columns(),
    Column("param", String(64), nullable=False),
    Column("target_type", String(64), nullable=True),
    Column("target_id", String(255), nullable=True),
    Column("target_url", String(512), nullable=True),  # absolute or canonical references
    # One index for both ways in (migration 0009): a search names the target id, a
    # revinclude or compartment the target type and id; type and parameter ride along so
    # a search filters inside the index. Each index costs every written row a btree insert.
    Index("ix_reference_target", "target_id", "target_type", "resource_type", "param"),
    _resource_index("ix_reference_resource"),
)

idx_quantity = Table(
    "idx_quantity",
    metadata,
    *_key_columns(),
    Column("param", String(64), nullable=False),
    Column("value", Float, nullable=False),
    Column("system", String(255), nullable=True),
    Column("code", String(64), nullable=True),
    Index("ix_quantity_lookup", "resource_type", "param", "value"),
    _resource_index("ix_quantity_resource"),
)

#: Index tables by search-parameter type.
INDEX_TABLES: dict[str, Table] = {
    "token": idx_token,
    "string": idx_string,
    "date": idx_date,
    "reference": idx_reference,
    "quantity": idx_quantity,
}

#: Fingerprints of the keys the store's sealed values and index hashes were made with
#: (``hub.store.sealing``): recorded when a sealer first opens the store, checked after.
sealing_key = Table(
    "sealing_key",
    metadata,
    Column("purpose", String(32), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)
