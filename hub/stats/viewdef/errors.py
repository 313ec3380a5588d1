"""Errors raised by the ViewDefinition runner.

Exception tree::

    ViewDefinitionError (ValueError)   the view itself is wrong: fix the view, do not retry
    ViewExecutionError (RuntimeError)  valid view, but the data broke a rule while running
                                       (several values in a non-collection column, a `where`
                                       that is not boolean): fix the data or the view
    NotCompilableError (Exception)     internal: an expression has no SQL translation; the
                                       runner falls back to the FHIRPath reference evaluator
"""

from __future__ import annotations

__all__ = ["NotCompilableError", "ViewDefinitionError", "ViewExecutionError"]


class ViewDefinitionError(ValueError):
    """The ViewDefinition is invalid; the message names the view and the element path."""

    def __init__(self, view_name: str, location: str, problem: str) -> None:
        self.view_name = view_name
        self.location = location
        self.problem = problem
        super().__init__(f"ViewDefinition {view_name!r}, {location}: {problem}")


class ViewExecutionError(RuntimeError):
    """Running a valid view failed on the data (cardinality or type rule broken)."""


class NotCompilableError(Exception):
    """An expression cannot be translated to SQL (caught internally, triggers fallback)."""
