"""SQL-on-FHIR v2 ViewDefinition runner: compiled to DuckDB/PostgreSQL SQL, fhirpathpy fallback.

    table = run_view(view, resources)                          # list of dicts -> Arrow
    rows = run_view(view, NdjsonFiles(export_dir), output="rows")  # Bulk $export folder
    table = run_view(view, DuckDBTable(con, "resources"))       # stored JSON, in place
    table = run_view(view, PostgresTable(pg, "resources"), engine="postgres")
    sql = compile_view(view, dialect="duckdb", source="resources")
    rows = evaluate_view_fhirpath(view, resources)             # reference, per resource

A view is validated first (ViewDefinitionError names the view and the element path). It is
then compiled to one set-based query: FHIRPath navigation becomes JSONPath extraction (array
cardinality comes from the FHIR R4B models, so `a.b.c` is one extraction), forEach becomes a
lateral unnest, unionAll a lateral UNION ALL, repeat a fixed number of unrolled levels (deeper
data stops the query). An expression with no SQL translation makes the whole view run on the
fhirpathpy evaluator instead. Columns without a `type` whose type the schema does not give
come back as JSON text in Arrow output and as decoded values in row output.
"""

from hub.stats.viewdef.definition import ViewDef, parse_view
from hub.stats.viewdef.errors import NotCompilableError, ViewDefinitionError, ViewExecutionError
from hub.stats.viewdef.reference import evaluate_view_fhirpath
from hub.stats.viewdef.runner import compile_view, run_view
from hub.stats.viewdef.sources import DuckDBTable, NdjsonFiles, PostgresTable
from hub.stats.viewdef.writers import write_csv, write_ndjson, write_parquet

__all__ = [
    "DuckDBTable",
    "NdjsonFiles",
    "NotCompilableError",
    "PostgresTable",
    "ViewDef",
    "ViewDefinitionError",
    "ViewExecutionError",
    "compile_view",
    "evaluate_view_fhirpath",
    "parse_view",
    "run_view",
    "write_csv",
    "write_ndjson",
    "write_parquet",
]
