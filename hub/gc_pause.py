"""Python's cyclic garbage collector paused while a page is mapped or a batch is written.

Both allocate hundreds of thousands of small containers (mapped resources, index-row
tuples, stamped documents) and free none of them in cycles. Each 700 allocations set off a
young-generation collection, and every tenth of those one of the older generations, which
walks every object the process holds: that was a quarter of a mapping worker's time, and
about a fifth of the client's CPU of a bulk create (bench/store_write.py's Observations,
20k per run, 4 alternating pairs: 0.60-0.66 s with collection, 0.46-0.58 s paused).
Reference counting still frees everything that is not in a cycle at once; a cycle made
meanwhile is collected after the pause.

The pause is process-wide (``gc.disable``), so it is counted: of several threads writing
at once, the last one out restores collection, and only if it was on when the first came in.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause automatic garbage collection for the block (re-entrant, thread-safe)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
