"""Masking of direct identifiers in free text and messages."""

from __future__ import annotations

import re

__all__ = ["redact"]

# 18-character resident IDs (GB 11643), 15-digit legacy IDs, and mainland mobile numbers.
_RESIDENT_ID = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def redact(text: str) -> str:
    """Text with resident IDs and phone numbers replaced by a mask."""
    text = _RESIDENT_ID.sub("[ID]", text)
    text = _MOBILE.sub("[PHONE]", text)
    return _LANDLINE.sub("[PHONE]", text)
