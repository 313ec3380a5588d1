"""Read many JSONPaths from one document with a single parse (DuckDB)."""

from __future__ import annotations

__all__ = ["Hoister"]


class Hoister:
    """Collects the JSONPaths read from one document so it is parsed once, not per path.

    DuckDB re-parses a JSON text on every json_extract call; one call with a list of
    (wildcard-free) paths parses it once. `join()` gives the lateral join that does it.
    """

    def __init__(self, anchor: str, alias: str) -> None:
        self.anchor = anchor
        self.alias = alias
        self.json_paths: list[str] = []
        self.text_paths: list[str] = []

    def json(self, jpath: str) -> str:
        """The JSON value at `jpath` (NULL when absent)."""
        return f"{self.alias}.j[{_position(self.json_paths, jpath)}]"

    def text(self, jpath: str) -> str:
        """The value at `jpath` as text."""
        return f"{self.alias}.s[{_position(self.text_paths, jpath)}]"

    def join(self) -> str | None:
        """The lateral join computing every collected path, or None if there are none."""
        parts = []
        if self.json_paths:
            parts.append(f"json_extract({self.anchor}, {_path_list(self.json_paths)}) AS j")
        if self.text_paths:
            parts.append(f"json_extract_string({self.anchor}, {_path_list(self.text_paths)}) AS s")
        if not parts:
            return None
        return f"CROSS JOIN LATERAL (SELECT {', '.join(parts)}) AS {self.alias}"


def _position(paths: list[str], jpath: str) -> int:
    """1-based position of `jpath` in `paths`, appending it when new."""
    if jpath not in paths:
        paths.append(jpath)
    return paths.index(jpath) + 1


def _path_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
