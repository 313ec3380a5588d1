"""Training and applying the linkage model with Splink 5 on an in-memory DuckDB.

Nothing is downloaded: DuckDB's built-in functions (damerau_levenshtein,
jaro_winkler_similarity, list_intersect) are all the model uses, and no extension is
installed. The m probabilities are learnt from records that share a valid resident ID (a
label that costs nothing), u from random pairs; EM is the fallback when too few share one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from hub.identity.model import (
    AUTO_LINK_GUARD_SQL,
    BLOCKING_RULES,
    COMPARISONS,
    INCOMPLETE_SQL,
    PRIOR_RULES,
    comparison_columns,
    comparison_names,
)
from hub.identity.person import PersonRow
from hub.identity.settings import IdentitySettings

__all__ = ["LinkageModel", "ScoredPair", "SplinkScorer", "rows_table"]

_KEY = "record_key"


@dataclass(frozen=True, slots=True)
class LinkageModel:
    """A trained model: Splink's settings dict with its estimated parameters."""

    splink_settings: dict[str, Any]
    labelled_pairs: int

    def to_json(self) -> str:
        """Serialise for storage, so incremental runs reuse the model."""
        return json.dumps({"splink": self.splink_settings, "labelled_pairs": self.labelled_pairs})

    @classmethod
    def from_json(cls, text: str) -> LinkageModel:
        """Load a model stored by :meth:`to_json`."""
        data = json.loads(text)
        return cls(data["splink"], int(data["labelled_pairs"]))


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A candidate pair with its match probability and whether it may link unseen."""

    left: str
    right: str
    probability: float
    weight: float
    #: Name and birth date agree: the pair may link without a person looking.
    auto_ok: bool
    #: Name or birth date is missing on one side, the other agrees.
    incomplete: bool = False
    #: Comparison level per comparison (``comparison_names()`` order; -1 = missing).
    levels: tuple[int, ...] = ()


def rows_table(rows: Sequence[PersonRow]) -> pa.Table:
    """Person rows as an Arrow table (columnar, so DuckDB reads it without copying)."""
    columns: dict[str, list[Any]] = {_KEY: [r.record_key for r in rows]}
    for column in comparison_columns():
        if column == "address_tokens":
            columns[column] = [list(r.address_tokens) or None for r in rows]
        else:
            columns[column] = [getattr(r, column) for r in rows]
    return pa.table(columns)


def _settings_dict() -> dict[str, Any]:
    """The untrained model as a Splink settings dict."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": _KEY,
        "comparisons": COMPARISONS,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "retain_matching_columns": True,  # the guard reads the gamma columns
        "retain_intermediate_calculation_columns": False,
    }


def _floor_m(model: dict[str, Any], floor: float) -> dict[str, Any]:
    """Give every level a small m, so no single field can veto a link with -inf weight.

    Labelled pairs rarely show a sex entered wrongly; an estimated m of exactly 0 would
    make such a pair impossible to link however much else agrees.
    """
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        raised = [max(float(lv.get("m_probability") or 0.0), floor) for lv in levels]
        total = sum(raised)
        for level, m in zip(levels, raised, strict=True):
            level["m_probability"] = m / total
    return model


class SplinkScorer:
    """One DuckDB connection with Splink on top: train, score all pairs, score new pairs."""

    def __init__(self, settings: IdentitySettings) -> None:
        """Open an in-memory DuckDB (Splink is imported here: it is slow to import)."""
        from splink import DuckDBAPI

        self._settings = settings
        self._con = duckdb.connect(":memory:")
        if settings.duckdb_threads is not None:
            self._con.execute(f"SET threads = {int(settings.duckdb_threads)}")
        self._db_api = DuckDBAPI(connection=self._con)
        self._tables = 0
        logging.getLogger("splink").setLevel(logging.WARNING)

    def __enter__(self) -> SplinkScorer:
        """Use as a context manager so the connection is always closed."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the connection."""
        self.close()

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()

    def register(self, rows: Sequence[PersonRow]) -> Any:
        """Load person rows into DuckDB as a Splink dataframe."""
        self._tables += 1
        return self._db_api.register(rows_table(rows), table_name=f"persons_{self._tables}")

    def _labelled_pairs(self, table: Any) -> int:
        """Pairs of records sharing a valid resident ID: the free labels for m."""
        sql = (
            "SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n "
            f"FROM {table.physical_name} WHERE resident_id IS NOT NULL GROUP BY resident_id)"
        )
        rows = self._con.execute(sql).fetchall()  # fetch all: DuckDB 2 refuses open results
        return int(rows[0][0]) if rows else 0

    def train(self, rows: Any) -> LinkageModel:
        """Estimate the prior, u and m on the registered rows."""
        from splink import Linker, block_on

        linker = Linker(rows, _settings_dict(), log_level=None)
        settings = self._settings
        linker.training.estimate_probability_two_random_records_match(
            list[Any](PRIOR_RULES), recall=settings.prior_rule_recall
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=settings.u_sample_pairs, seed=settings.seed
        )
        labelled = self._labelled_pairs(rows)
        if labelled >= settings.min_labelled_pairs:
            linker.training.estimate_m_from_label_column("resident_id")
        else:
            for rule in (block_on("name_fuzzy"), block_on("birth_date")):
                linker.training.estimate_parameters_using_expectation_maximisation(rule)
        trained = linker.misc.save_model_to_json()
        return LinkageModel(_floor_m(trained, settings.m_floor), labelled)

    def _fetch(self, predictions: Any) -> list[ScoredPair]:
        """Read scored pairs out of a Splink predictions table."""
        gammas = ", ".join(f"gamma_{name}" for name in comparison_names())
        sql = (
            f"SELECT {_KEY}_l, {_KEY}_r, match_probability, match_weight, "
            f"{AUTO_LINK_GUARD_SQL}, {INCOMPLETE_SQL}, {gammas} "
            f"FROM {predictions.physical_name}"
        )
        result = [
            ScoredPair(
                min(a, b), max(a, b), float(p), float(w), bool(ok), bool(part), tuple(levels)
            )
            for a, b, p, w, ok, part, *levels in self._con.execute(sql).fetchall()
        ]
        predictions.drop_table_from_database_and_remove_from_cache()
        return result

    def score_all(self, rows: Any, model: LinkageModel) -> list[ScoredPair]:
        """Score every blocked pair among the rows; keep those worth linking or reviewing."""
        from splink import Linker

        linker = Linker(rows, model.splink_settings, log_level=None)
        chunks = self._settings.predict_chunks
        predictions = linker.inference.predict(
            threshold_match_probability=self._settings.review_threshold,
            num_chunks_left=chunks,
            num_chunks_right=chunks,
            warning_mode="never",
        )
        return self._fetch(predictions)

    def score_new(self, new: Any, existing: Any | None, model: LinkageModel) -> list[ScoredPair]:
        """Score only pairs that involve a new record: new-vs-existing and new-vs-new.

        ``existing`` None: no existing record can pair with a new one (new-vs-new only).
        """
        from splink import Linker

        linker = Linker(new, model.splink_settings, log_level=None)
        threshold = self._settings.review_threshold
        within = linker.inference.predict_within(
            new, threshold_match_probability=threshold, warning_mode="never"
        )
        if existing is None:
            return self._fetch(within)
        between = linker.inference.predict_between(
            new, existing, threshold_match_probability=threshold, warning_mode="never"
        )
        return self._fetch(between) + self._fetch(within)
