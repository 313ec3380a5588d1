"""Keeping national ID and phone numbers out of logs, pages and the search index.

Logs: a record factory masks 18-digit resident IDs and 11-digit mobile numbers in every
record's message and arguments, whoever logs them. Index: identifiers become keyed
hashes (HMAC-SHA256 with ``secret_key``) so a search hashes the query value the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any

__all__ = ["install_log_masking", "keyed_hash", "mask_text", "mask_value"]

# 18-digit resident ID (last may be X) and 11-digit mainland mobile (1[3-9]x), not inside
# longer digit runs so timestamps and record numbers survive.
_RESIDENT_ID = re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_value(value: str) -> str:
    """A number shown with all but its first and last few characters hidden."""
    keep = 3 if len(value) <= 11 else 4
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_text(text: str) -> str:
    """Text with every resident ID and mobile number in it masked."""
    text = _RESIDENT_ID.sub(lambda m: mask_value(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_value(m.group(0)), text)


def _mask_arg(arg: Any) -> Any:
    if isinstance(arg, (int, float)) and not isinstance(arg, bool):
        text = str(arg)
        return mask_text(text) if len(text) >= 11 else arg
    if isinstance(arg, (str, bytes, dict, list, tuple, set)):
        return mask_text(arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg))
    return arg


def install_log_masking() -> None:
    """Mask identifiers in every log record created from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_hub_masking", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.msg = mask_text(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _mask_arg(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback is formatted later from the exception; mask its text now.
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return record

    factory._hub_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def keyed_hash(secret: str, system: str, value: str) -> str:
    """The index form of an identifier: HMAC-SHA256 of system|value under the hub's key."""
    digest = hmac.new(secret.encode(), f"{system}|{value}".encode(), hashlib.sha256)
    return "hmac:" + digest.hexdigest()
