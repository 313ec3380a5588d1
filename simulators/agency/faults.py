"""Faults the simulated agency injects on demand: slow responses, 429, 500, moving pages."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FAULT_HEADER", "Faults", "parse_faults"]

#: Request header that forces one fault on one request (tests): timeout, 429, 500 or mutate.
FAULT_HEADER = "X-Simulate-Fault"


@dataclass(frozen=True)
class Faults:
    """Probability of each fault per page request, and how each behaves."""

    timeout: float = 0.0  # respond only after `delay` seconds
    too_many: float = 0.0  # 429 with Retry-After
    server_error: float = 0.0  # 500
    mutate: float = 0.0  # update a document between page requests
    delay: float = 5.0  # seconds of a slow response
    retry_after: int = 1  # seconds in Retry-After
    seed: int = 0  # the fault dice are seeded, so a run is repeatable

    @property
    def any(self) -> bool:
        """Whether any fault can happen at all."""
        return any((self.timeout, self.too_many, self.server_error, self.mutate))


_NAMES = {
    "timeout": "timeout",
    "429": "too_many",
    "500": "server_error",
    "mutate": "mutate",
    "delay": "delay",
    "retry_after": "retry_after",
    "seed": "seed",
}


def parse_faults(text: str) -> Faults:
    """``"timeout:0.02,429:0.05,500:0.02,mutate:0.01"`` (plus ``delay:S``, ``retry_after:S``,
    ``seed:N``) -> Faults; an empty string means no faults."""
    values: dict[str, float | int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, number = part.partition(":")
        if not sep or name.strip() not in _NAMES:
            raise ValueError(f"unknown fault {part!r}; expected one of {sorted(_NAMES)}")
        field = _NAMES[name.strip()]
        values[field] = int(number) if field in ("retry_after", "seed") else float(number)
    faults = Faults(**values)  # type: ignore[arg-type]
    for p in (faults.timeout, faults.too_many, faults.server_error, faults.mutate):
        if not 0.0 <= p <= 1.0:
            raise ValueError("fault probabilities lie between 0 and 1")
    return faults
