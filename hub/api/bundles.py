"""Bundles as bytes: stored resource JSON is spliced in without being parsed again.

Only ``_elements`` and ``_summary`` (which change a resource) parse the stored text.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import urlencode

import orjson

from hub.search.service import Hit

__all__ = ["SUBSETTED", "bundle_bytes", "entry_bytes", "page_links", "shape_resource"]

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
}
_ALWAYS = ("resourceType", "id", "meta")


def entry_bytes(base: str, hit: Hit, mode: str, content: bytes | None = None) -> bytes:
    """One searchset entry; the resource is the stored text unless ``content`` is given."""
    full_url = orjson.dumps(f"{base}/{hit.resource_type}/{hit.resource_id}")
    body = content if content is not None else hit.content.encode()
    return (
        b'{"fullUrl":'
        + full_url
        + b',"resource":'
        + body
        + b',"search":{"mode":"'
        + mode.encode()
        + b'"}}'
    )


def bundle_bytes(header: dict[str, Any], entries: Iterable[bytes]) -> bytes:
    """A Bundle from its header fields and already-serialised entries."""
    head = orjson.dumps(header)
    parts = list(entries)
    if not parts:
        return head
    return head[:-1] + b',"entry":[' + b",".join(parts) + b"]}"


def page_links(
    base_url: str,
    kept: list[tuple[str, str]],
    *,
    count: int,
    offset: int,
    page_size: int,
    total: int | None,
    next_cursor: str | None = None,
) -> list[dict[str, str]]:
    """self, next and previous links: the same query at another place.

    A search passes ``next_cursor`` when rows follow the page: the next link continues
    after the page's last row (keyset paging). History and $everything move ``_offset``.
    """
    this = [(k, v) for k, v in kept if k == "_cursor"]
    pairs = [(k, v) for k, v in kept if k not in ("_count", "_offset", "_cursor")]

    def url(at: int | None = None, cursor: list[tuple[str, str]] | None = None) -> str:
        query = [*pairs, ("_count", str(count))]
        query += cursor if cursor else [("_offset", str(at))] if at else []
        return f"{base_url}?{urlencode(query)}"

    links = [{"relation": "self", "url": url(offset, this)}]
    more = page_size >= count > 0 and (total is None or offset + count < total)
    if next_cursor:  # the search read one row past the page: there is a next page
        links.append({"relation": "next", "url": url(cursor=[("_cursor", next_cursor)])})
    elif more:
        links.append({"relation": "next", "url": url(offset + count)})
    if offset > 0 and count > 0:
        links.append({"relation": "previous", "url": url(max(0, offset - count))})
    return links


@cache
def _summary_elements(resource_type: str) -> frozenset[str]:
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource_type)
    names = set(_ALWAYS)
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("summary_element_property"):
            names.add(info.alias or name)
    return frozenset(names)


def _mark_subsetted(document: dict[str, Any]) -> dict[str, Any]:
    meta = dict(document.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    return {**document, "meta": meta}


def shape_resource(content: str, summary: str | None, elements: tuple[str, ...]) -> bytes | None:
    """The resource cut down by ``_summary``/``_elements``; None when it is served whole."""
    if not elements and summary not in ("true", "data", "text"):
        return None
    document: dict[str, Any] = orjson.loads(content)
    if elements:
        keep: frozenset[str] = frozenset((*_ALWAYS, *elements))
        document = {k: v for k, v in document.items() if k in keep}
    elif summary == "true":
        keep = _summary_elements(str(document.get("resourceType")))
        document = {k: v for k, v in document.items() if k in keep}
    elif summary == "data":
        document.pop("text", None)
    else:  # text: the narrative and the mandatory elements
        document = {k: v for k, v in document.items() if k in (*_ALWAYS, "text")}
    return orjson.dumps(_mark_subsetted(document))
