"""SQL-on-FHIR v2 ViewDefinition runner: compiled to DuckDB/PostgreSQL SQL, fhirpathpy fallback."""

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
