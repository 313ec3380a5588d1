"""The keys a store is sealed with: recorded on first use, checked at every opening.

A changed key would not fail loudly by itself: stored values would stop opening one read at
a time, new values would be sealed under the new key (a store under two keys, which no
single key reads), and searches by a hashed identifier would silently find nothing. So the
store remembers a fingerprint of each key (``Sealer.key_fingerprints``) and refuses to open
under another one, naming the setting to put back.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from hub.store.errors import SealingKeyMismatch
from hub.store.schema import sealing_key
from hub.store.sealing import Sealer

__all__ = ["check_sealing_keys"]


def check_sealing_keys(engine: Engine, sealer: Sealer) -> None:
    """Record the sealer's key fingerprints where none is recorded; raise if one differs."""
    wanted = sealer.key_fingerprints()
    for attempt in range(2):  # a second process may record the same purpose meanwhile
        with engine.connect() as conn:
            rows = conn.execute(select(sealing_key.c.purpose, sealing_key.c.fingerprint))
            known = {row.purpose: row.fingerprint for row in rows}
        changed = [
            (purpose, setting)
            for purpose, (setting, fingerprint) in sorted(wanted.items())
            if purpose in known and known[purpose] != fingerprint
        ]
        if changed:
            keys = " and ".join(purpose for purpose, _ in changed)
            settings = " and ".join(setting for _, setting in changed)
            raise SealingKeyMismatch(
                f"The {keys} key{'s' if len(changed) > 1 else ''} of this configuration "
                f"{'are not the ones' if len(changed) > 1 else 'is not the one'} this "
                f"database's data was sealed with: set {settings} back to what it was."
            )
        missing = [
            {"purpose": purpose, "fingerprint": fingerprint}
            for purpose, (_setting, fingerprint) in sorted(wanted.items())
            if purpose not in known
        ]
        if not missing:
            return
        try:
            with engine.begin() as conn:
                conn.execute(insert(sealing_key), missing)
            return
        except IntegrityError:
            if attempt:
                raise
