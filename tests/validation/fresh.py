"""Fresh copies of a mapped record: the same resources under new ids, for the benchmark.

Mapping a million rows to FHIR costs some 1000 CPU seconds, so ``bench/quality.py`` maps a
sample once and feeds the FHIR-level checks copies of it. A copy that kept the sample's ids
would let the id derivation's cache answer its references for free, so each copy varies the
record's identifying fields (the ones ``labelled.district`` varies per patient, and the
record's key) and rewrites every uuid its resources hold, the same uuid to the same new one
wherever it appears: an id the record's values derive (``candidate_keys``, as the reference
check derives it) is derived again from the copy's values; any other gets a new random uuid.
A copy of a clean record is therefore as clean, and its patient's ids are new; ids derived
from values a copy keeps (its staff, organisation, ward) repeat, as they do in a district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from hub.domain.identifiers import stable_id
from hub.domain.records import SourceRecord
from tests.mappings.mapping_samples import SAMPLES
from validation.fhir import candidate_keys
from validation.links import resources_text

__all__ = ["FreshCopies"]

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ID = rb"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
#: A uuid whose resource type the text tells: a resource's id, or a relative reference.
_TYPED = re.compile(rb'"resourceType":"([A-Za-z]+)","id":"' + _ID + rb'|"([A-Z][A-Za-z]+)/' + _ID)
#: The fields that tie a record to its patient (as ``labelled.district`` varies them).
_VARIED = ("patient_id", "registration_no", "case_id", "client_id", "admission_id")


#: The suffix a planning probe gives the varied fields; a copy's own replaces it in its keys.
_PROBE = "~probe"


@dataclass
class FreshCopies:
    """Copies of one mapped record (``copy(n)``), each under ids no other copy has."""

    record: SourceRecord
    system: str
    resources: list[dict[str, Any]]
    text: bytes = b""
    #: uuid -> (resource type, the key that derives it for the probe record)
    derived: dict[bytes, tuple[str, str]] = field(default_factory=dict)
    varied: dict[str, str] = field(default_factory=dict)
    #: The text cut at its uuids, and which distinct uuid stands in each cut (in ``_ids``).
    pieces: list[bytes] = field(default_factory=list)
    slots: list[int] = field(default_factory=list)
    _ids: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        text = resources_text(self.resources)
        assert text is not None, "mapped resources are plain JSON"
        self.text = text
        key_field = SAMPLES[self.record.kind].key_field
        for name in (*_VARIED, key_field):
            value = self.record.__dict__.get(name)
            if isinstance(value, str | int) and value != "":
                self.varied[name] = str(value)
        keys = list(candidate_keys(self.record))
        # The same recipes on a probe copy, in the same order: the key a recipe gives a copy.
        probed = list(candidate_keys(self._varied(_PROBE)))
        derivations: dict[str, dict[str, int]] = {}
        for match in _TYPED.finditer(text):
            kind = (match.group(1) or match.group(3)).decode()
            found = match.group(2) or match.group(4)
            table = derivations.get(kind)
            if table is None:
                table = derivations[kind] = {}
                for i in reversed(range(len(keys))):  # the first key that derives an id wins
                    table[stable_id(self.system, kind, keys[i])] = i
            position = table.get(found.decode())
            if position is not None:
                self.derived[found] = (kind, probed[position])
        # The text cut once at every uuid: a copy joins the pieces around its own ids.
        self._ids = list(dict.fromkeys(_UUID.findall(text)))
        index = {found: i for i, found in enumerate(self._ids)}
        start = 0
        for match in _UUID.finditer(text):
            self.pieces.append(text[start : match.start()])
            self.slots.append(index[match.group()])
            start = match.end()
        self.pieces.append(text[start:])

    def _varied(self, suffix: str) -> SourceRecord:
        return self.record.model_copy(
            update={name: value + suffix for name, value in self.varied.items()}
        )

    def copy(self, n: int) -> tuple[SourceRecord, list[dict[str, Any]], bytes]:
        """Copy ``n``: the record with its identifying fields varied, its resources, their text.

        An id the record does not derive gets the sample's uuid with its last twelve digits
        replaced by ``n`` (unique per copy, cheaper than a random uuid per id).
        """
        suffix, tail = f"~{n}", b"%012x" % n
        ids = []
        for old in self._ids:
            derivation = self.derived.get(old)
            if derivation is None:
                ids.append(old[:24] + tail)
            else:
                kind, key = derivation
                ids.append(stable_id(self.system, kind, key.replace(_PROBE, suffix)).encode())
        parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            parts += (ids[slot], piece)
        text = b"".join(parts)
        return self._varied(suffix), orjson.loads(text), text
