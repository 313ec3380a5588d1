"""The same ViewDefinitions on Apache Spark over Bulk ``$export`` NDJSON (optional extra `spark`).

Spark reads the NDJSON files (split across its workers like any text input) and every
partition evaluates the unchanged ViewDefinition with the runner's reference FHIRPath
evaluator, so a province's export scales out over a cluster with the same view the
embedded engine compiles to DuckDB SQL. The result is a Spark DataFrame with the view's
columns (as strings, booleans, longs or doubles by column type).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hub.stats.viewdef import NdjsonFiles, evaluate_view_fhirpath, parse_view
from hub.stats.viewdef.definition import ColumnDef, SelectDef
from hub.stats.viewdef.dialects import INTEGER_TYPES

__all__ = ["run_view_spark", "spark_schema"]


def _columns(select: SelectDef) -> list[ColumnDef]:
    """Column definitions in output order (as SelectDef.column_names orders the names)."""
    out = list(select.columns)
    for sub in select.selects:
        out.extend(_columns(sub))
    if select.union_all:
        out.extend(_columns(select.union_all[0]))
    return out


def spark_schema(view: dict[str, Any]) -> Any:
    """The Spark StructType of a view's columns (collections as arrays of strings)."""
    from pyspark.sql import types as t

    fields = []
    for column in _columns(parse_view(view).root):
        if column.type == "boolean":
            kind: Any = t.BooleanType()
        elif column.type in INTEGER_TYPES:
            kind = t.LongType()
        elif column.type == "decimal":
            kind = t.DoubleType()
        else:
            kind = t.StringType()
        if column.collection:
            kind = t.ArrayType(kind)
        fields.append(t.StructField(column.name, kind, nullable=True))
    return t.StructType(fields)


def _evaluate(view: dict[str, Any]) -> Any:
    """A partition function: NDJSON lines in, view rows (tuples in column order) out."""
    names = parse_view(view).column_names()

    def run(lines: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        resources = (json.loads(line) for line in lines if line.strip())
        for row in evaluate_view_fhirpath(view, resources):
            yield tuple(row.get(name) for name in names)

    return run


def run_view_spark(view: dict[str, Any], export_dir: Path, spark: Any) -> Any:
    """A Spark DataFrame of the view over a Bulk export folder (`<Type>.ndjson` files)."""
    parsed = parse_view(view)
    files = NdjsonFiles(export_dir).files_for(parsed.resource)
    schema = spark_schema(view)
    if not files:
        return spark.createDataFrame([], schema)
    lines = spark.sparkContext.textFile(",".join(str(f) for f in files))
    return spark.createDataFrame(lines.mapPartitions(_evaluate(view)), schema)
