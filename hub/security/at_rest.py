"""Resident IDs and phone numbers encrypted at rest, and keyed hashes in the search index.

``FieldSealer`` is the store's ``Sealer`` (``hub.store.sealing``): every JSON string value
that holds an 18-character resident ID or a mainland mobile number is replaced by
``enc:1:`` and its AES-SIV ciphertext; free text that quotes one is sealed as a whole.
AES-SIV is deterministic on purpose: the same number always seals to the same text, so
SQL that groups or joins on a sealed value (the statistics' person key) still counts one
person once; it tells nothing else. Token codes that are such numbers become HMAC-SHA256
hashes, in index rows and in search values alike, so ``identifier=system|number`` and
conditional creates still match. Both keys come from Settings (``privacy`` group), by
default derived from ``secret_key``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.config import Settings

__all__ = [
    "SEALED_PREFIX",
    "FieldSealer",
    "SealedValueError",
    "field_sealer",
    "holds_sensitive_number",
]

#: How a sealed value starts; the digit is the format version.
SEALED_PREFIX = "enc:1:"
_ASSOCIATED = [b"carehub-sealed-value"]
# Not inside longer runs of letters or digits, so record keys and hashes are left alone;
# looser than the masking patterns on purpose: a mistyped ID must be sealed too.
_SENSITIVE = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|(?:\+?86[- ]?)?1[3-9]\d{9})(?![0-9A-Za-z])"
)
_INDEXED_MOBILE = re.compile(r"(?:\+?86[- ]?)?(1[3-9]\d{9})")
_INDEXED_ID = re.compile(r"\d{17}[\dXx]")
#: A sealed JSON string value, with what precedes its opening quote (see reveal_json).
# A value, not a key: the closing quote is followed by a comma, bracket or brace, never
# a colon (a key "enc:1:" after a comma was taken for a sealed value; hypothesis found it).
_SEALED_STRING = re.compile(
    r'([:\[,]\s*)"' + re.escape(SEALED_PREFIX) + r'([A-Za-z0-9_-]*)"(?=\s*[,\]}])'
)
_DIGEST_HEX = 64
_HEX = frozenset("0123456789abcdef")


_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ELEVEN_DIGITS = b"0" * 11


#: Where each key comes from, as the operator sets it.
ENCRYPTION_KEY_SETTING = "HUB_PRIVACY__ENCRYPTION_KEY (or HUB_SECRET_KEY, which it defaults to)"
INDEX_KEY_SETTING = "HUB_PRIVACY__INDEX_KEY (or HUB_SECRET_KEY, which it defaults to)"


class SealedValueError(Exception):
    """A sealed value that the configured key cannot open (the key was changed)."""


def holds_sensitive_number(text: str) -> bool:
    """Whether the text contains a resident ID or a mobile number."""
    # Both hold a run of 11 digits; a byte translation finds one in about a tenth of the
    # time the regex takes, and almost no stored document has one.
    if _ELEVEN_DIGITS not in text.encode().translate(_DIGITS_AS_ZERO):
        return False
    return _SENSITIVE.search(text) is not None


def _derive(material: str, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(
        material.encode()
    )


class FieldSealer:
    """Seals sensitive values with AES-SIV and hashes sensitive index codes with HMAC."""

    def __init__(self, encryption_secret: str, index_secret: str) -> None:
        self._cipher = AESSIV(_derive(encryption_secret, b"carehub field encryption v1", 64))
        self._index_key = _derive(index_secret, b"carehub index hash v1", 32)
        self._digest_key = _derive(encryption_secret, b"carehub digest permutation v1", 32)
        self._fingerprints = {
            purpose: (setting, _derive(secret, b"carehub key fingerprint v1", 16).hex())
            for purpose, setting, secret in (
                ("encryption", ENCRYPTION_KEY_SETTING, encryption_secret),
                ("index", INDEX_KEY_SETTING, index_secret),
            )
        }

    def key_fingerprints(self) -> dict[str, tuple[str, str]]:
        """The settings of the two keys and their fingerprints (``hub.store.sealing``)."""
        return dict(self._fingerprints)

    # --- single values -------------------------------------------------------------------

    def seal_value(self, value: str) -> str:
        """One string sealed (idempotent: a sealed value is returned as it is)."""
        if value.startswith(SEALED_PREFIX):
            return value
        sealed = self._cipher.encrypt(value.encode(), _ASSOCIATED)
        return SEALED_PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def reveal_value(self, value: str) -> str:
        """One string in clear (strings that are not sealed are returned as they are)."""
        if not value.startswith(SEALED_PREFIX):
            return value
        body = value[len(SEALED_PREFIX) :]
        try:
            sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._cipher.decrypt(sealed, _ASSOCIATED).decode()
        except (InvalidTag, ValueError):
            raise SealedValueError(
                "A stored resident ID or phone number does not open with this key: "
                f"{ENCRYPTION_KEY_SETTING} differs from the one the data was stored with."
            ) from None

    # --- the store's Sealer --------------------------------------------------------------

    def seal_json(self, text: str) -> str:
        """JSON text with every string value that holds a sensitive number sealed."""
        if not holds_sensitive_number(text):
            return text  # the common case: one regex scan, no parsing
        return orjson.dumps(self._walk(orjson.loads(text), self._seal_leaf)).decode()

    def reveal_json(self, text: str) -> str:
        """JSON text with every sealed value in clear again.

        Each sealed string is replaced in the text itself, not by parsing, walking and
        dumping the document (every read of a Patient took that path: about a fifth of
        a read's CPU). A sealed value is a whole JSON string of the prefix and base64url;
        ``_SEALED_STRING`` takes a quote only after a colon, bracket or comma (and
        whitespace: PostgreSQL's jsonb text puts a space there), which a quote inside a
        string never is: there it follows its backslash; and a value's closing quote only,
        which a key's never is: a colon follows that.
        """
        if SEALED_PREFIX not in text:
            return text
        return _SEALED_STRING.sub(self._revealed_string, text)

    def _revealed_string(self, match: re.Match[str]) -> str:
        clear = self.reveal_value(SEALED_PREFIX + match.group(2))
        return match.group(1) + orjson.dumps(clear).decode()

    def seal_text(self, text: str) -> str:
        """Free text sealed as a whole when it holds a sensitive number."""
        return self.seal_value(text) if holds_sensitive_number(text) else text

    def reveal_text(self, text: str) -> str:
        """Free text in clear again."""
        return self.reveal_value(text)

    def seal_digest(self, digest: str) -> str:
        """A hex SHA-256 under a keyed permutation (AES on its two blocks): same length."""
        return self._permute(digest, encrypt=True)

    def reveal_digest(self, stored: str) -> str:
        """The hex SHA-256 again."""
        return self._permute(stored, encrypt=False)

    def _permute(self, value: str, *, encrypt: bool) -> str:
        if len(value) != _DIGEST_HEX or any(c not in _HEX for c in value):
            return value  # not a SHA-256: left as it is
        # ECB is the right mode here: each 16-byte block is uniformly random (half a hash),
        # so a block cipher used as a keyed permutation leaks nothing but equality.
        cipher = Cipher(algorithms.AES(self._digest_key), modes.ECB())  # noqa: S305
        worker = cipher.encryptor() if encrypt else cipher.decryptor()
        return (worker.update(bytes.fromhex(value)) + worker.finalize()).hex()

    def index_code(self, code: str) -> str:
        """A keyed hash for a token code that is a resident ID or a mobile; others as given."""
        mobile = _INDEXED_MOBILE.fullmatch(code)
        if mobile is not None:
            code = mobile.group(1)
        elif _INDEXED_ID.fullmatch(code) is None:
            return code
        digest = hmac.new(self._index_key, code.upper().encode(), hashlib.sha256)
        return "hmac:" + digest.hexdigest()

    def _seal_leaf(self, value: str) -> str:
        return self.seal_value(value) if holds_sensitive_number(value) else value

    def _walk(self, node: Any, leaf: Any) -> Any:
        if isinstance(node, str):
            return leaf(node)
        if isinstance(node, dict):
            return {key: self._walk(value, leaf) for key, value in node.items()}
        if isinstance(node, list):
            return [self._walk(value, leaf) for value in node]
        return node


def field_sealer(settings: Settings) -> FieldSealer:
    """The sealer for these settings: the privacy keys, or keys derived from secret_key."""
    privacy, secret = settings.privacy, settings.secret_key.get_secret_value()
    encryption = privacy.encryption_key.get_secret_value() if privacy.encryption_key else secret
    index = privacy.index_key.get_secret_value() if privacy.index_key else secret
    return FieldSealer(encryption, index)
